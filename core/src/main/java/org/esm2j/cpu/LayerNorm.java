package org.esm2j.cpu;

/**
 * LayerNorm over the last dimension as {@code torch.nn.LayerNorm}: biased variance, eps inside the square root,
 * elementwise affine. Statistics are two-pass in double, so the result is the correctly rounded float of the exact
 * normalisation up to the final multiply-add.
 */
final class LayerNorm {
    private LayerNorm() {
    }

    /** Normalises rows {@code [rowStart, rowEnd)} of x (rows, dim) into y; x and y may be the same array. */
    static void apply(float[] x, float[] y, int rowStart, int rowEnd, int dim, float[] gain, float[] bias, double eps) {
        for (int r = rowStart; r < rowEnd; r++) {
            int off = r * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                sum += x[off + i];
            }
            double mean = sum / dim;
            double sq = 0;
            for (int i = 0; i < dim; i++) {
                double d = x[off + i] - mean;
                sq += d * d;
            }
            double rstd = 1 / Math.sqrt(sq / dim + eps);
            for (int i = 0; i < dim; i++) {
                y[off + i] = (float) ((x[off + i] - mean) * rstd * gain[i] + bias[i]);
            }
        }
    }

    /** All rows, split over the worker pool. */
    static void applyParallel(float[] x, float[] y, int rows, int dim, float[] gain, float[] bias, double eps) {
        Parallel.forRange(rows, (r0, r1) -> apply(x, y, r0, r1, dim, gain, bias, eps));
    }
}
