package org.esm2j.train.head;

import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;

/**
 * Attention pooling with a learned scoring vector {@code w} (D): each residue row gets the score {@code s_t = h_t . w},
 * the weights are {@code a = softmax(s)} over the sequence's residues (cls, eos and pad excluded) and the pooled vector
 * is {@code sum_t a_t h_t}. {@code w} starts at zero, so training starts from mean pooling.
 *
 * <p>Backward, with {@code g} the pooled gradient: {@code e_t = g . h_t}, {@code ds_t = a_t (e_t - sum_u a_u e_u)},
 * {@code dh_t += a_t g + ds_t w}, {@code dw += sum_t ds_t h_t}.
 */
public final class AttentionPooling implements Pooling {
    /** Default layout entry of the scoring vector. */
    public static final String DEFAULT_NAME = "attention_pooling.weight";

    private final String name;
    private final int dim;
    private PackedSequences batch;
    private float[] hidden;
    private double[] weights;

    public AttentionPooling(int dim) {
        this(DEFAULT_NAME, dim);
    }

    public AttentionPooling(String name, int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1: " + dim);
        }
        this.name = name;
        this.dim = dim;
    }

    @Override
    public void declare(ParameterLayout.Builder layout) {
        layout.add(name, new long[] {dim}, true);
    }

    @Override
    public void initialize(ParameterLayout layout, float[] params) {
        ParameterEntry w = layout.entry(name);
        java.util.Arrays.fill(params, w.offset(), w.end(), 0f);
    }

    @Override
    public float[] forward(ParameterLayout layout, float[] params, float[] hidden, PackedSequences batch, int dim) {
        requireDim(dim);
        HeadArguments.requireRows("hidden", hidden, batch.rows(), dim);
        int w = layout.entry(name).offset();
        double[] a = new double[batch.rows()];
        float[] pooled = new float[batch.sequences() * dim];
        double[] sum = new double[dim];
        for (int b = 0; b < batch.sequences(); b++) {
            HeadArguments.requireResidues(batch, b);
            double max = Double.NEGATIVE_INFINITY;
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    double s = 0;
                    for (int d = 0; d < dim; d++) {
                        s += (double) hidden[r * dim + d] * params[w + d];
                    }
                    a[r] = s;
                    max = Math.max(max, s);
                }
            }
            double norm = 0;
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    a[r] = Math.exp(a[r] - max);
                    norm += a[r];
                }
            }
            java.util.Arrays.fill(sum, 0);
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    a[r] /= norm;
                    for (int d = 0; d < dim; d++) {
                        sum[d] += a[r] * hidden[r * dim + d];
                    }
                }
            }
            for (int d = 0; d < dim; d++) {
                pooled[b * dim + d] = (float) sum[d];
            }
        }
        this.batch = batch;
        this.hidden = hidden;
        this.weights = a;
        return pooled;
    }

    @Override
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dPooled, float[] dHidden) {
        HeadArguments.requireForward(batch);
        HeadArguments.requireRows("dPooled", dPooled, batch.sequences(), dim);
        HeadArguments.requireRows("dHidden", dHidden, batch.rows(), dim);
        int w = layout.entry(name).offset();
        double[] dw = new double[dim];
        double[] e = new double[batch.rows()];
        for (int b = 0; b < batch.sequences(); b++) {
            int g = b * dim;
            double mean = 0;
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    double dot = 0;
                    for (int d = 0; d < dim; d++) {
                        dot += (double) dPooled[g + d] * hidden[r * dim + d];
                    }
                    e[r] = dot;
                    mean += weights[r] * dot;
                }
            }
            for (int r = batch.start(b); r < batch.end(b); r++) {
                if (batch.isResidue(r)) {
                    double ds = weights[r] * (e[r] - mean);
                    for (int d = 0; d < dim; d++) {
                        dHidden[r * dim + d] += (float) (weights[r] * dPooled[g + d] + ds * params[w + d]);
                        dw[d] += ds * hidden[r * dim + d];
                    }
                }
            }
        }
        for (int d = 0; d < dim; d++) {
            grads[w + d] += (float) dw[d];
        }
    }

    /** The softmax weight of each row from the last forward (0 for cls, eos and pad), e.g. for inspection. */
    public double weight(int row) {
        HeadArguments.requireForward(batch);
        return weights[row];
    }

    private void requireDim(int given) {
        if (given != dim) {
            throw new IllegalArgumentException("attention pooling was built for dim " + dim + " but got " + given);
        }
    }
}
