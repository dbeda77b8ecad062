package org.esm2j.train.head;

import org.esm2j.data.Alphabet;
import org.esm2j.train.ParameterLayout;

/** The representation at each sequence's {@code <cls>} row, as Hugging Face's EsmForSequenceClassification; no parameters. */
public final class ClsPooling implements Pooling {
    private PackedSequences batch;
    private int dim;

    @Override
    public void declare(ParameterLayout.Builder layout) {
    }

    @Override
    public void initialize(ParameterLayout layout, float[] params) {
    }

    @Override
    public float[] forward(ParameterLayout layout, float[] params, float[] hidden, PackedSequences batch, int dim) {
        HeadArguments.requireRows("hidden", hidden, batch.rows(), dim);
        for (int b = 0; b < batch.sequences(); b++) {
            if (batch.token(batch.start(b)) != Alphabet.CLS) {
                throw new IllegalArgumentException("sequence " + b + " does not start with <cls> (token "
                        + batch.token(batch.start(b)) + "), so cls pooling has nothing to read");
            }
        }
        this.batch = batch;
        this.dim = dim;
        float[] pooled = new float[batch.sequences() * dim];
        for (int b = 0; b < batch.sequences(); b++) {
            System.arraycopy(hidden, batch.start(b) * dim, pooled, b * dim, dim);
        }
        return pooled;
    }

    @Override
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dPooled, float[] dHidden) {
        HeadArguments.requireForward(batch);
        HeadArguments.requireRows("dPooled", dPooled, batch.sequences(), dim);
        HeadArguments.requireRows("dHidden", dHidden, batch.rows(), dim);
        for (int b = 0; b < batch.sequences(); b++) {
            int row = batch.start(b) * dim;
            for (int d = 0; d < dim; d++) {
                dHidden[row + d] += dPooled[b * dim + d];
            }
        }
    }
}
