package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;

/** The mean of each sequence's residue rows (not cls, eos or pad), as fair-esm's mean embeddings; no parameters. */
public final class MeanPooling implements Pooling {
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
        this.batch = batch;
        this.dim = dim;
        float[] pooled = new float[batch.sequences() * dim];
        double[] sum = new double[dim];
        for (int b = 0; b < batch.sequences(); b++) {
            java.util.Arrays.fill(sum, 0);
            int count = HeadArguments.requireResidues(batch, b);
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    for (int d = 0; d < dim; d++) {
                        sum[d] += hidden[r * dim + d];
                    }
                }
            }
            for (int d = 0; d < dim; d++) {
                pooled[b * dim + d] = (float) (sum[d] / count);
            }
        }
        return pooled;
    }

    @Override
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dPooled, float[] dHidden) {
        HeadArguments.requireForward(batch);
        HeadArguments.requireRows("dPooled", dPooled, batch.sequences(), dim);
        HeadArguments.requireRows("dHidden", dHidden, batch.rows(), dim);
        for (int b = 0; b < batch.sequences(); b++) {
            float inverseCount = 1f / batch.residueCount(b);
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    for (int d = 0; d < dim; d++) {
                        dHidden[r * dim + d] += dPooled[b * dim + d] * inverseCount;
                    }
                }
            }
        }
    }
}
