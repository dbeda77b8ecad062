package org.esm2j.cpu;

import java.util.Arrays;

/**
 * LayerNorm over the last dimension as {@code torch.nn.LayerNorm}: biased variance, eps inside the square root,
 * elementwise affine. Statistics are two-pass in double; the output is then formed in float (a vector kernel) with
 * the mean split into two floats, so that a row's large common offset cancels exactly: a few float roundings from the
 * exact normalisation (within 1e-6 absolute + 1e-6 relative of it in LayerNormTest, rows offset by 1000 included).
 * The backward pass stays in double.
 */
final class LayerNorm {
    private LayerNorm() {
    }

    /** Normalises rows {@code [rowStart, rowEnd)} of x (rows, dim) into y; x and y may be the same array. */
    static void apply(float[] x, float[] y, int rowStart, int rowEnd, int dim, float[] gain, float[] bias, double eps) {
        apply(x, y, rowStart, rowEnd, dim, gain, 0, bias, 0, eps);
    }

    /** {@link #apply} with gain and bias read from {@code gain[gainOff ..]} and {@code bias[biasOff ..]}. */
    static void apply(float[] x, float[] y, int rowStart, int rowEnd, int dim, float[] gain, int gainOff, float[] bias,
            int biasOff, double eps) {
        apply(x, y, rowStart, rowEnd, dim, gain, gainOff, bias, biasOff, eps, null);
    }

    /**
     * {@link #apply} that also stores each row's mean and 1/std at {@code stats[2 r]} and {@code stats[2 r + 1]}
     * (stats null: not kept), for {@link #applySaved} and the backward pass.
     */
    static void apply(float[] x, float[] y, int rowStart, int rowEnd, int dim, float[] gain, int gainOff, float[] bias,
            int biasOff, double eps, double[] stats) {
        for (int r = rowStart; r < rowEnd; r++) {
            int off = r * dim;
            double mean = sum(x, off, dim) / dim;
            double rstd = 1 / Math.sqrt(squaredDeviations(x, off, dim, mean) / dim + eps);
            if (stats != null) {
                stats[2 * r] = mean;
                stats[2 * r + 1] = rstd;
            }
            normalize(x, y, off, dim, mean, rstd, gain, gainOff, bias, biasOff);
        }
    }

    /** {@link #apply} with the row statistics an earlier {@link #apply} of the same x stored: the same output. */
    static void applySaved(float[] x, float[] y, int rowStart, int rowEnd, int dim, float[] gain, int gainOff,
            float[] bias, int biasOff, double[] stats) {
        for (int r = rowStart; r < rowEnd; r++) {
            normalize(x, y, r * dim, dim, stats[2 * r], stats[2 * r + 1], gain, gainOff, bias, biasOff);
        }
    }

    /** The row's output from its double statistics, in float (class comment). */
    private static void normalize(float[] x, float[] y, int off, int dim, double mean, double rstd, float[] gain,
            int gainOff, float[] bias, int biasOff) {
        float meanHi = (float) mean;
        Kernels.preferred().normalizeRow(x, off, y, off, meanHi, (float) (mean - meanHi), (float) rstd, gain, gainOff,
                bias, biasOff, dim);
    }

    /**
     * The input gradient of rows {@code [rowStart, rowEnd)}, added into dx: with g = dy * gain and the normalised
     * input xhat, {@code dx += rstd (g - mean(g) - xhat mean(g xhat))}, in double per row, from the row statistics
     * that the forward {@link #apply} stored.
     */
    static void backwardInput(float[] x, float[] dy, float[] dx, int rowStart, int rowEnd, int dim, float[] gain,
            int gainOff, double[] stats) {
        for (int r = rowStart; r < rowEnd; r++) {
            int off = r * dim;
            double mean = stats[2 * r];
            double rstd = stats[2 * r + 1];
            // sum g and sum g (x - mean) over the row, each as two interleaved partial sums (see sum); rstd is
            // applied once to the second.
            double g0 = 0;
            double g1 = 0;
            double gx0 = 0;
            double gx1 = 0;
            int i = 0;
            for (; i + 2 <= dim; i += 2) {
                double ga = (double) dy[off + i] * gain[gainOff + i];
                double gb = (double) dy[off + i + 1] * gain[gainOff + i + 1];
                g0 += ga;
                g1 += gb;
                gx0 += ga * (x[off + i] - mean);
                gx1 += gb * (x[off + i + 1] - mean);
            }
            for (; i < dim; i++) {
                double g = (double) dy[off + i] * gain[gainOff + i];
                g0 += g;
                gx0 += g * (x[off + i] - mean);
            }
            double meanG = (g0 + g1) / dim;
            double meanGXhat = (gx0 + gx1) * rstd / dim;
            for (i = 0; i < dim; i++) {
                double g = (double) dy[off + i] * gain[gainOff + i];
                double xhat = (x[off + i] - mean) * rstd;
                dx[off + i] += (float) (rstd * (g - meanG - xhat * meanGXhat));
            }
        }
    }

    /**
     * Adds the gain and bias gradients of columns {@code [colStart, colEnd)} (sums over all rows of dy xhat and dy,
     * in double, rows in order) into {@code grads[gainOff ..]} and {@code grads[biasOff ..]}, skipping a negative
     * offset (a frozen tensor), from the row statistics that the forward {@link #apply} stored. {@code acc} is
     * scratch of 2 dim doubles.
     */
    static void backwardParameters(float[] x, float[] dy, int rows, int dim, int colStart, int colEnd,
            double[] stats, float[] grads, int gainOff, int biasOff, double[] acc) {
        Arrays.fill(acc, colStart, colEnd, 0);
        Arrays.fill(acc, dim + colStart, dim + colEnd, 0);
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            double mean = stats[2 * r];
            double rstd = stats[2 * r + 1];
            for (int c = colStart; c < colEnd; c++) {
                double g = dy[off + c];
                acc[c] += g * ((x[off + c] - mean) * rstd);
                acc[dim + c] += g;
            }
        }
        for (int c = colStart; c < colEnd; c++) {
            if (gainOff >= 0) {
                grads[gainOff + c] += (float) acc[c];
            }
            if (biasOff >= 0) {
                grads[biasOff + c] += (float) acc[dim + c];
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

    /**
     * {@link #apply} with offsets and the row statistics kept in {@code stats} (2 rows doubles), all rows, split over
     * the worker pool.
     */
    static void applyParallel(float[] x, float[] y, int rows, int dim, float[] params, int gainOff, int biasOff,
            double eps, double[] stats) {
        Parallel.forRange(rows, (r0, r1) -> apply(x, y, r0, r1, dim, params, gainOff, params, biasOff, eps, stats));
    }

    /** {@link #applySaved}, all rows, split over the worker pool. */
    static void applySavedParallel(float[] x, float[] y, int rows, int dim, float[] params, int gainOff, int biasOff,
            double[] stats) {
        Parallel.forRange(rows, (r0, r1) -> applySaved(x, y, r0, r1, dim, params, gainOff, params, biasOff, stats));
    }

    /**
     * Backward of a LayerNorm whose gain sits at gainOff of params, from the row statistics that its forward pass
     * ({@link #applyParallel}) stored: adds the input gradient into dx (split over rows) and the gain and bias
     * gradients into grads at gainGradOff and biasGradOff, negative for a frozen tensor (split over columns, so every
     * sum runs over the rows in order on one thread). {@code columnSums} is scratch of 2 dim doubles.
     */
    static void backwardParallel(float[] x, float[] dy, float[] dx, int rows, int dim, float[] params, int gainOff,
            double[] stats, float[] grads, int gainGradOff, int biasGradOff, double[] columnSums) {
        Parallel.forRange(rows, (r0, r1) -> backwardInput(x, dy, dx, r0, r1, dim, params, gainOff, stats));
        if (gainGradOff >= 0 || biasGradOff >= 0) {
            Parallel.forRange(dim, (c0, c1) -> backwardParameters(x, dy, rows, dim, c0, c1, stats, grads,
                    gainGradOff, biasGradOff, columnSums));
        }
    }
}
