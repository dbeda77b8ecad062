package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dense layers on awkward shapes against a naive double-precision reference, for the scalar and the Vector API
 * kernels. Tolerance 1e-5 abs + 1e-5 rel with inputs in [-1, 1]: a float fma chain of K <= 320 terms errs by at most
 * about K * 2^-24 * sum|x w| ~ 1e-5 in the worst case and ~1e-6 typically. Beyond closeness, the two kernels, the
 * parallel and single-thread drivers, and a row computed alone or among others must agree bit for bit.
 */
class MatMulTest {
    private static final double TOL = 1e-5;

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        // Rows: a padded remainder alone, and whole row tiles followed by a padded remainder of every size for the
        // 5-row tiles (rows % 5 = 0..4) and of 0, 1, 2, 3, 5, 6 and 7 rows for the 8-row tiles of 512-bit vectors.
        // Columns: the narrow (padded) block alone, 2-vector tiles + narrow block, and 2-vector, 1-vector and narrow
        // blocks (49 with 512-bit vectors; 57 with 256-bit ones, whose weight panels are 16 columns wide).
        for (int rows : new int[] {1, 7, 8, 10, 11, 13, 17, 94}) {
            for (int k : new int[] {16, 63, 320}) {
                for (int n : new int[] {1, 5, 33, 49, 57}) {
                    out.add(Arguments.of(rows, k, n));
                }
            }
        }
        return out.stream();
    }

    static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        return v;
    }

    static float[] naive(float[] x, int rows, int k, float[] w, int n, float[] bias) {
        float[] y = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < n; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int p = 0; p < k; p++) {
                    acc += (double) x[r * k + p] * w[o * k + p];
                }
                y[r * n + o] = (float) acc;
            }
        }
        return y;
    }

    @ParameterizedTest(name = "rows {0}, in {1}, out {2}")
    @MethodSource("shapes")
    void scalarAndVectorMatchNaiveDouble(int rows, int k, int n) {
        Random rnd = new Random(31L * rows + 7L * k + n);
        float[] x = random(rnd, rows * k);
        float[] w = random(rnd, n * k);
        float[] bias = random(rnd, n);
        float[] expected = naive(x, rows, k, w, n, bias);
        LinearWeights lw = LinearWeights.fromTorch(w, n, k, bias);
        String shape = rows + "x" + k + " -> " + n;

        float[] scalar = new float[rows * n];
        MatMul.linear(x, rows, lw, scalar, null, false, ScalarKernels.INSTANCE);
        NumericAssert.assertClose("scalar " + shape, scalar, expected, TOL, TOL);

        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "tests run with --add-modules jdk.incubator.vector (surefire argLine)");
        float[] vector = new float[rows * n];
        MatMul.linear(x, rows, lw, vector, null, false, VectorKernels.create());
        NumericAssert.assertClose("vector " + shape, vector, expected, TOL, TOL);
        assertArrayEquals(scalar, vector, "scalar and vector kernels differ for " + shape);

        float[] parallel = new float[rows * n];
        MatMul.linear(x, rows, k, w, n, bias, parallel);
        float[] single = new float[rows * n];
        MatMul.linearSingleThread(x, rows, k, w, n, bias, single);
        assertArrayEquals(single, parallel, "parallel and single-thread linear differ for " + shape);
        assertArrayEquals(vector, parallel, "public linear differs from the kernel it should use, " + shape);
        float[] prepacked = new float[rows * n];
        MatMul.linearSingleThread(x, rows, LinearWeights.fromTorch(w, n, k, bias), prepacked);
        assertArrayEquals(single, prepacked, "weights packed once give other results than per call, " + shape);
    }

    @Test
    void eachRowIsIndependentOfTheOtherRows() {
        Random rnd = new Random(5);
        int rows = 97;
        int k = 320;
        int n = 1280 + 3;
        float[] x = random(rnd, rows * k);
        float[] w = random(rnd, n * k);
        float[] bias = random(rnd, n);
        float[] all = new float[rows * n];
        MatMul.linear(x, rows, k, w, n, bias, all);
        for (int r : new int[] {0, 3, 4, 50, 96}) {
            float[] row = new float[n];
            float[] xr = new float[k];
            System.arraycopy(x, r * k, xr, 0, k);
            MatMul.linear(xr, 1, k, w, n, bias, row);
            float[] fromAll = new float[n];
            System.arraycopy(all, r * n, fromAll, 0, n);
            assertArrayEquals(fromAll, row, "row " + r + " alone differs from row " + r + " of the batch");
        }
        NumericAssert.assertClose("97x320 -> 1283", all, naive(x, rows, k, w, n, bias), TOL, TOL);
    }

    @Test
    void noBias() {
        Random rnd = new Random(9);
        float[] x = random(rnd, 7 * 63);
        float[] w = random(rnd, 33 * 63);
        float[] y = new float[7 * 33];
        MatMul.linearSingleThread(x, 7, 63, w, 33, null, y);
        NumericAssert.assertClose("7x63 -> 33 without bias", y, naive(x, 7, 63, w, 33, null), TOL, TOL);
    }

    static Stream<Arguments> transposedAShapes() {
        List<Arguments> out = new ArrayList<>();
        // m: below, at and past the row tiles (5 and, with 512-bit vectors, 8), the LM head's 33; k: an empty sum and
        // a few lengths; n: narrow (a LoRA rank), 2-vector tiles with and without a narrow rest, several panels.
        for (int m : new int[] {1, 7, 8, 13, 16, 33, 40}) {
            for (int k : new int[] {0, 1, 63, 130}) {
                for (int n : new int[] {5, 8, 33, 64, 97}) {
                    out.add(Arguments.of(m, k, n));
                }
            }
        }
        return out.stream();
    }

    /**
     * {@code c += a^T b} with a stored as (k, m), read in place: the scalar and vector kernels and the parallel
     * drivers (b as it is and packed into panels) must give the bits of a transposed copy of a, the scalar gemm into
     * a temporary and a float add, which is how weight gradients were formed before; and all must be within the
     * tolerance of a double-precision sum (K <= 130 terms of inputs in [-1, 1] on top of c in [-1, 1]).
     */
    @ParameterizedTest(name = "m {0}, k {1}, n {2}")
    @MethodSource("transposedAShapes")
    void productWithTransposedAMatchesTransposeGemmAndAdd(int m, int k, int n) {
        Random rnd = new Random(17L * m + 5L * k + n);
        int lda = m + 3; // a is a column block of a wider matrix, as a part of dy (rows, out)
        int ldb = n + 2;
        int ldc = n + 1;
        int aOff = 2;
        float[] a = random(rnd, aOff + k * lda);
        float[] b = random(rnd, 1 + k * ldb);
        float[] c0 = random(rnd, 3 + m * ldc);
        String shape = "m " + m + ", k " + k + ", n " + n;

        float[] transposed = new float[m * k];
        for (int p = 0; p < k; p++) {
            for (int i = 0; i < m; i++) {
                transposed[i * k + p] = a[aOff + p * lda + i];
            }
        }
        float[] product = new float[m * n];
        ScalarKernels.INSTANCE.gemm(transposed, 0, k, b, 1, ldb, product, 0, n, m, k, n);
        float[] expected = c0.clone();
        float[] exact = c0.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                expected[3 + i * ldc + j] += product[i * n + j];
                double sum = c0[3 + i * ldc + j];
                for (int p = 0; p < k; p++) {
                    sum += (double) a[aOff + p * lda + i] * b[1 + p * ldb + j];
                }
                exact[3 + i * ldc + j] = (float) sum;
            }
        }

        float[] scalar = c0.clone();
        ScalarKernels.INSTANCE.addProductTransposedA(a, aOff, lda, b, 1, ldb, scalar, 3, ldc, m, k, n);
        NumericAssert.assertClose("scalar " + shape, scalar, exact, TOL, TOL);
        assertArrayEquals(expected, scalar, "scalar kernel differs from transpose, gemm and add for " + shape);
        float[] vector = c0.clone();
        VectorKernels.create().addProductTransposedA(a, aOff, lda, b, 1, ldb, vector, 3, ldc, m, k, n);
        assertArrayEquals(expected, vector, "vector kernel differs from transpose, gemm and add for " + shape);

        float[] parallel = c0.clone();
        GradientGemm.addProductTransposedA(a, aOff, lda, b, 1, ldb, parallel, 3, ldc, m, k, n);
        assertArrayEquals(expected, parallel, "parallel driver differs for " + shape);
        float[] packed = new float[k * n];
        GradientGemm.packPanels(b, 1, ldb, 0, k, k, n, packed);
        float[] prepacked = c0.clone();
        GradientGemm.addProductTransposedAPrepacked(a, aOff, lda, packed, prepacked, 3, ldc, m, k, n);
        assertArrayEquals(expected, prepacked, "driver on packed panels differs for " + shape);
    }
}
