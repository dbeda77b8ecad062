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
            double mean = sum(x, off, dim) / dim;
            double rstd = 1 / Math.sqrt(squaredDeviations(x, off, dim, mean) / dim + eps);
            for (int i = 0; i < dim; i++) {
                y[off + i] = (float) ((x[off + i] - mean) * rstd * gain[i] + bias[i]);
            }
        }
    }

    // Four interleaved partial sums: one chain of dependent double adds would wait out the add latency per element.

    private static double sum(float[] x, int off, int dim) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 4 <= dim; i += 4) {
            s0 += x[off + i];
            s1 += x[off + i + 1];
            s2 += x[off + i + 2];
            s3 += x[off + i + 3];
        }
        for (; i < dim; i++) {
            s0 += x[off + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double squaredDeviations(float[] x, int off, int dim, double mean) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 4 <= dim; i += 4) {
            double d0 = x[off + i] - mean;
            double d1 = x[off + i + 1] - mean;
            double d2 = x[off + i + 2] - mean;
            double d3 = x[off + i + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < dim; i++) {
            double d = x[off + i] - mean;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** All rows, split over the worker pool. */
    static void applyParallel(float[] x, float[] y, int rows, int dim, float[] gain, float[] bias, double eps) {
        Parallel.forRange(rows, (r0, r1) -> apply(x, y, r0, r1, dim, gain, bias, eps));
    }
}
