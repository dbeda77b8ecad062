package org.esm2j.cpu;

import java.util.Arrays;

/**
 * LayerNorm over the last dimension as {@code torch.nn.LayerNorm}: biased variance, eps inside the square root,
 * elementwise affine. Statistics are two-pass in double, so the result is the correctly rounded float of the exact
 * normalisation up to the final multiply-add. The loops are {@link Kernels}, which fix the summation order (16
 * partial sums), so the scalar and the vector flavour give the same bits.
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
        Kernels k = Kernels.preferred();
        for (int r = rowStart; r < rowEnd; r++) {
            int off = r * dim;
            double mean = k.sumAsDouble(x, off, dim) / dim;
            double rstd = reciprocalStd(k, x, off, dim, mean, eps);
            k.layerNormRow(x, y, off, gain, gainOff, bias, biasOff, mean, rstd, dim);
        }
    }

    private static double reciprocalStd(Kernels k, float[] x, int off, int dim, double mean, double eps) {
        return 1 / Math.sqrt(k.sumSquaredDeviations(x, off, dim, mean) / dim + eps);
    }

    /** Stores the mean and 1/std of rows {@code [rowStart, rowEnd)} into rowMean and rowRstd. */
    static void statistics(float[] x, int rowStart, int rowEnd, int dim, double eps, double[] rowMean,
            double[] rowRstd) {
        Kernels k = Kernels.preferred();
        for (int r = rowStart; r < rowEnd; r++) {
            int off = r * dim;
            double mean = k.sumAsDouble(x, off, dim) / dim;
            rowMean[r] = mean;
            rowRstd[r] = reciprocalStd(k, x, off, dim, mean, eps);
        }
    }

    /**
     * The input gradient of rows {@code [rowStart, rowEnd)}, added into dx, from their {@link #statistics}: with
     * g = dy * gain and the normalised input xhat, {@code dx += rstd (g - mean(g) - xhat mean(g xhat))}, in double
     * (the old dx included: one float rounding per element).
     */
    static void backwardInput(float[] x, float[] dy, float[] dx, int rowStart, int rowEnd, int dim, float[] gain,
            int gainOff, double[] rowMean, double[] rowRstd, double[] rowSums) {
        Kernels k = Kernels.preferred();
        for (int r = rowStart; r < rowEnd; r++) {
            int off = r * dim;
            double mean = rowMean[r];
            double rstd = rowRstd[r];
            k.layerNormGradientSums(x, dy, off, gain, gainOff, mean, dim, rowSums, 2 * r);
            double meanG = rowSums[2 * r] / dim;
            // the sum of g (x - mean): rstd is applied once to the sum
            double meanGXhat = rowSums[2 * r + 1] * rstd / dim;
            k.layerNormInputGradient(x, dy, dx, off, gain, gainOff, mean, rstd, meanG, meanGXhat, dim);
        }
    }

    /**
     * Adds the gain and bias gradients of columns {@code [colStart, colEnd)} (sums over all rows of dy xhat and dy,
     * in double, rows in order) into {@code grads[gainOff ..]} and {@code grads[biasOff ..]}, skipping a negative
     * offset (a frozen tensor); needs the row statistics of {@link #backwardInput}. {@code acc} is scratch of 2 dim
     * doubles.
     */
    static void backwardParameters(float[] x, float[] dy, int rows, int dim, int colStart, int colEnd,
            double[] rowMean, double[] rowRstd, float[] grads, int gainOff, int biasOff, double[] acc) {
        Kernels k = Kernels.preferred();
        Arrays.fill(acc, colStart, colEnd, 0);
        Arrays.fill(acc, dim + colStart, dim + colEnd, 0);
        for (int r = 0; r < rows; r++) {
            k.layerNormParameterGradients(x, dy, r * dim + colStart, rowMean[r], rowRstd[r], acc, colStart,
                    dim + colStart, colEnd - colStart);
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

    /** All rows, split over the worker pool. */
    static void applyParallel(float[] x, float[] y, int rows, int dim, float[] gain, float[] bias, double eps) {
        Parallel.forRange(rows, (r0, r1) -> apply(x, y, r0, r1, dim, gain, bias, eps));
    }

    /** {@link #apply} with offsets, all rows, split over the worker pool. */
    static void applyParallel(float[] x, float[] y, int rows, int dim, float[] params, int gainOff, int biasOff,
            double eps) {
        Parallel.forRange(rows, (r0, r1) -> apply(x, y, r0, r1, dim, params, gainOff, params, biasOff, eps));
    }

    /**
     * Backward of a LayerNorm whose gain sits at gainOff of params: adds the input gradient into dx (split over rows)
     * and the gain and bias gradients into grads at gainGradOff and biasGradOff, negative for a frozen tensor (split
     * over columns, so every sum runs over the rows in order on one thread).
     */
    static void backwardParallel(float[] x, float[] dy, float[] dx, int rows, int dim, float[] params, int gainOff,
            double eps, float[] grads, int gainGradOff, int biasGradOff, Scratch scratch) {
        Parallel.forRange(rows, (r0, r1) -> statistics(x, r0, r1, dim, eps, scratch.rowMean, scratch.rowRstd));
        Parallel.forRange(rows, (r0, r1) -> backwardInput(x, dy, dx, r0, r1, dim, params, gainOff, scratch.rowMean,
                scratch.rowRstd, scratch.rowSums));
        if (gainGradOff >= 0 || biasGradOff >= 0) {
            Parallel.forRange(dim, (c0, c1) -> backwardParameters(x, dy, rows, dim, c0, c1, scratch.rowMean,
                    scratch.rowRstd, grads, gainGradOff, biasGradOff, scratch.columnSums));
        }
    }

    /** Per-row statistics and per-column sums of a backward pass, sized once for the largest batch. */
    static final class Scratch {
        final double[] rowMean;
        final double[] rowRstd;
        /** Per row, the two sums of {@link Kernels#layerNormGradientSums}. */
        final double[] rowSums;
        final double[] columnSums;

        Scratch(int rows, int dim) {
            rowMean = new double[rows];
            rowRstd = new double[rows];
            rowSums = new double[2 * rows];
            columnSums = new double[2 * dim];
        }
    }
}
