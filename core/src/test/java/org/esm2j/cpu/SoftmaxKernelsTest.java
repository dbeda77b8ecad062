package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * The float exp used by softmax against Math.exp (<= 2e-7 relative over its whole domain, under 2 ulp), and a
 * column softmax built from the kernels against a naive double softmax (1e-6 absolute: probabilities are <= 1 and
 * each is a few float roundings away from exact). Scalar and vector kernels must agree bit for bit.
 */
class SoftmaxKernelsTest {
    @Test
    void fastExpIsWithinAFewUlp() {
        double worst = 0;
        for (float x = FastExp.MIN_INPUT; x <= 0; x += 0.00137f) {
            double ref = Math.exp(x);
            worst = Math.max(worst, Math.abs(FastExp.exp(x) - ref) / ref);
        }
        System.out.printf("FastExp max rel error %.3e on [-87, 0]%n", worst);
        assertTrue(worst <= 2e-7, "exp relative error " + worst);
        assertEquals(1f, FastExp.exp(0f));
        assertTrue(FastExp.exp(-1000f) < 1e-37f);
        assertTrue(FastExp.exp(Float.NEGATIVE_INFINITY) < 1e-37f);
    }

    /** Softmax down the columns of (rows, cols), as Attention does with keys on rows. */
    private static float[] columnSoftmax(Kernels k, float[] s, int rows, int cols) {
        float[] out = s.clone();
        float[] max = new float[cols];
        float[] sum = new float[cols];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < rows; j++) {
            k.maxInto(out, j * cols, max, cols);
        }
        for (int j = 0; j < rows; j++) {
            k.expShiftedAccumulate(out, j * cols, max, sum, cols);
        }
        for (int i = 0; i < cols; i++) {
            sum[i] = 1f / sum[i];
        }
        for (int j = 0; j < rows; j++) {
            k.multiplyInto(out, j * cols, sum, cols);
        }
        return out;
    }

    @Test
    void columnSoftmaxMatchesNaiveDoubleAndScalarEqualsVector() {
        Random rnd = new Random(3);
        for (int[] shape : new int[][] {{1, 1}, {7, 5}, {97, 33}, {130, 97}}) {
            int rows = shape[0];
            int cols = shape[1];
            float[] s = new float[rows * cols];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (rnd.nextGaussian() * 8);
            }
            float[] expected = new float[s.length];
            for (int i = 0; i < cols; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < rows; j++) {
                    max = Math.max(max, s[j * cols + i]);
                }
                double sum = 0;
                for (int j = 0; j < rows; j++) {
                    sum += Math.exp(s[j * cols + i] - max);
                }
                for (int j = 0; j < rows; j++) {
                    expected[j * cols + i] = (float) (Math.exp(s[j * cols + i] - max) / sum);
                }
            }
            float[] scalar = columnSoftmax(ScalarKernels.INSTANCE, s, rows, cols);
            float[] vector = columnSoftmax(VectorKernels.create(), s, rows, cols);
            NumericAssert.assertClose("softmax " + rows + "x" + cols, vector, expected, 1e-6, 0);
            assertArrayEquals(scalar, vector, "scalar and vector softmax differ for " + rows + "x" + cols);
        }
    }
}
