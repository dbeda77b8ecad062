package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * The LayerNorm kernels: the vector flavour gives the scalar twin's bits (lengths around the 16 partial sums and the
 * vector widths, unaligned offsets), and LayerNorm's backward matches the analytic gradient evaluated in double
 * (tolerance 1e-6 abs + 1e-6 rel: one float rounding of a double result) on awkward widths, including a row with a
 * large common offset.
 */
class LayerNormKernelsTest {
    private static final int[] LENGTHS = {1, 7, 8, 15, 16, 17, 33, 320, 480};
    private static final int[] DIMS = {1, 7, 33, 320, 480};

    @Test
    void vectorKernelsGiveTheScalarBits() {
        Kernels scalar = ScalarKernels.INSTANCE;
        Kernels vector = VectorKernels.create();
        Random rnd = new Random(5);
        for (int n : LENGTHS) {
            int off = 3;
            float[] x = gaussian(rnd, n + off, 2, 50);
            float[] dy = gaussian(rnd, n + off, 1, 0);
            float[] gain = gaussian(rnd, n + 1, 0.3, 1);
            float[] bias = gaussian(rnd, n + 2, 0.1, 0);
            double mean = 50.25;
            double rstd = 0.4;
            String what = " n=" + n;
            assertEquals(scalar.sumAsDouble(x, off, n), vector.sumAsDouble(x, off, n), 0, "sum" + what);
            assertEquals(scalar.sumSquaredDeviations(x, off, n, mean), vector.sumSquaredDeviations(x, off, n, mean), 0,
                    "squared deviations" + what);
            double[] sumsS = new double[4];
            double[] sumsV = new double[4];
            scalar.layerNormGradientSums(x, dy, off, gain, 1, mean, n, sumsS, 1);
            vector.layerNormGradientSums(x, dy, off, gain, 1, mean, n, sumsV, 1);
            assertArrayEquals(sumsS, sumsV, "gradient sums" + what);

            float[] yS = new float[n + off];
            float[] yV = new float[n + off];
            scalar.layerNormRow(x, yS, off, gain, 1, bias, 2, mean, rstd, n);
            vector.layerNormRow(x, yV, off, gain, 1, bias, 2, mean, rstd, n);
            assertArrayEquals(yS, yV, "row" + what);

            float[] dxS = gaussian(rnd, n + off, 1, 0);
            float[] dxV = dxS.clone();
            scalar.layerNormInputGradient(x, dy, dxS, off, gain, 1, mean, rstd, 0.3, -0.2, n);
            vector.layerNormInputGradient(x, dy, dxV, off, gain, 1, mean, rstd, 0.3, -0.2, n);
            assertArrayEquals(dxS, dxV, "input gradient" + what);

            double[] accS = new double[2 * n + 5];
            for (int i = 0; i < accS.length; i++) {
                accS[i] = rnd.nextGaussian();
            }
            double[] accV = accS.clone();
            scalar.layerNormParameterGradients(x, dy, off, mean, rstd, accS, 1, n + 4, n);
            vector.layerNormParameterGradients(x, dy, off, mean, rstd, accV, 1, n + 4, n);
            assertArrayEquals(accS, accV, "parameter gradients" + what);
        }
    }

    @Test
    void backwardMatchesTheAnalyticGradientInDouble() {
        Random rnd = new Random(9);
        for (int dim : DIMS) {
            int rows = 4;
            float[] x = gaussian(rnd, rows * dim, 3, 0);
            for (int i = 0; i < dim; i++) {
                x[2 * dim + i] += 1000; // a large common offset in row 2
            }
            float[] params = new float[2 * dim]; // gain, then bias
            for (int i = 0; i < dim; i++) {
                params[i] = 1 + (float) rnd.nextGaussian() * 0.2f;
                params[dim + i] = (float) rnd.nextGaussian() * 0.1f;
            }
            float[] dy = gaussian(rnd, rows * dim, 1, 0);
            double eps = 1e-5;

            float[] expectedDx = new float[rows * dim];
            double[] gainGrad = new double[dim];
            double[] biasGrad = new double[dim];
            for (int r = 0; r < rows; r++) {
                int off = r * dim;
                double mean = 0;
                for (int i = 0; i < dim; i++) {
                    mean += x[off + i];
                }
                mean /= dim;
                double var = 0;
                for (int i = 0; i < dim; i++) {
                    var += (x[off + i] - mean) * (x[off + i] - mean);
                }
                double rstd = 1 / Math.sqrt(var / dim + eps);
                double meanG = 0;
                double meanGXhat = 0;
                for (int i = 0; i < dim; i++) {
                    double g = (double) dy[off + i] * params[i];
                    double xhat = (x[off + i] - mean) * rstd;
                    meanG += g / dim;
                    meanGXhat += g * xhat / dim;
                    gainGrad[i] += dy[off + i] * xhat;
                    biasGrad[i] += dy[off + i];
                }
                for (int i = 0; i < dim; i++) {
                    double g = (double) dy[off + i] * params[i];
                    double xhat = (x[off + i] - mean) * rstd;
                    expectedDx[off + i] = (float) (rstd * (g - meanG - xhat * meanGXhat));
                }
            }
            float[] expectedGrads = new float[2 * dim];
            for (int i = 0; i < dim; i++) {
                expectedGrads[i] = (float) gainGrad[i];
                expectedGrads[dim + i] = (float) biasGrad[i];
            }

            float[] dx = new float[rows * dim];
            float[] grads = new float[2 * dim];
            LayerNorm.backwardParallel(x, dy, dx, rows, dim, params, 0, eps, grads, 0, dim,
                    new LayerNorm.Scratch(rows, dim));
            NumericAssert.assertClose("layer norm dx dim " + dim, dx, expectedDx, 1e-6, 1e-6);
            NumericAssert.assertClose("layer norm gain and bias gradients dim " + dim, grads, expectedGrads, 1e-6,
                    1e-6);
        }
    }

    private static float[] gaussian(Random rnd, int n, double scale, double shift) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale + shift);
        }
        return a;
    }
}
