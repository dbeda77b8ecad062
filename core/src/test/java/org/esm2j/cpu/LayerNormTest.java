package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * LayerNorm against the PyTorch definition in double: (x - mean) / sqrt(biased var + eps) * gain + bias. Rows with a
 * large common offset check that the statistics do not cancel. Tolerance 1e-6 abs + 1e-6 rel (one float rounding).
 */
class LayerNormTest {
    @Test
    void matchesTorchDefinition() {
        Random rnd = new Random(11);
        for (int dim : new int[] {1, 5, 64, 321}) {
            int rows = 7;
            float[] x = new float[rows * dim];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 3 + (i / dim == 3 ? 1000 : 0));
            }
            float[] gain = new float[dim];
            float[] bias = new float[dim];
            for (int i = 0; i < dim; i++) {
                gain[i] = 1 + (float) rnd.nextGaussian() * 0.2f;
                bias[i] = (float) rnd.nextGaussian() * 0.1f;
            }
            double eps = 1e-5;
            float[] expected = new float[x.length];
            for (int r = 0; r < rows; r++) {
                double mean = 0;
                for (int i = 0; i < dim; i++) {
                    mean += x[r * dim + i];
                }
                mean /= dim;
                double var = 0;
                for (int i = 0; i < dim; i++) {
                    var += Math.pow(x[r * dim + i] - mean, 2);
                }
                var /= dim;
                for (int i = 0; i < dim; i++) {
                    expected[r * dim + i] = (float) ((x[r * dim + i] - mean) / Math.sqrt(var + eps) * gain[i] + bias[i]);
                }
            }
            float[] y = new float[x.length];
            LayerNorm.applyParallel(x, y, rows, dim, gain, bias, eps);
            NumericAssert.assertClose("layer norm dim " + dim, y, expected, 1e-6, 1e-6);
            LayerNorm.apply(x, x, 0, rows, dim, gain, bias, eps);
            NumericAssert.assertClose("in-place layer norm dim " + dim, x, expected, 1e-6, 1e-6);
        }
    }

    /** The output pass in float: the scalar and vector kernels agree bit for bit, off-grid offsets and tails included. */
    @Test
    void scalarAndVectorRowsAgreeBitForBit() {
        Random rnd = new Random(5);
        for (int n : new int[] {1, 15, 16, 17, 320, 333}) {
            float[] x = new float[n + 3];
            float[] gain = new float[n + 2];
            float[] bias = new float[n + 1];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 3 + 1000);
            }
            for (int i = 0; i < gain.length; i++) {
                gain[i] = 1 + (float) rnd.nextGaussian() * 0.2f;
            }
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) rnd.nextGaussian() * 0.1f;
            }
            float[] scalar = new float[n + 4];
            float[] vector = new float[n + 4];
            ScalarKernels.INSTANCE.normalizeRow(x, 3, scalar, 4, 1000.25f, 3.1e-5f, 0.33f, gain, 2, bias, 1, n);
            VectorKernels.create().normalizeRow(x, 3, vector, 4, 1000.25f, 3.1e-5f, 0.33f, gain, 2, bias, 1, n);
            assertArrayEquals(scalar, vector, "row of " + n);
        }
    }
}
