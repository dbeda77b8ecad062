package org.esm2j.cpu;

/**
 * The matrix products of backward passes on the shared pool: a plain row-major GEMM split over output rows, a
 * transpose, and column sums. Each output element is computed by one thread in a fixed order (the kernels' in-order fma
 * chain, rows in order for sums), so gradients do not depend on the thread count.
 */
final class GradientGemm {
    /** Rows per parallel unit: the GEMM micro-kernel's row block. */
    private static final int ROW_ALIGN = 5;

    private GradientGemm() {
    }

    /** {@code c = a b} with a (m, k), b (k, n), c (m, n) row-major at the given offsets and leading dimensions. */
    static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            int m, int k, int n) {
        Kernels kernels = Kernels.preferred();
        Parallel.forRange(m, Parallel.threads(), ROW_ALIGN,
                (r0, r1) -> kernels.gemm(a, aOff + r0 * lda, lda, b, bOff, ldb, c, cOff + r0 * ldc, ldc, r1 - r0, k,
                        n));
    }

    /** {@code dst[c, r] = src[srcOff + r * ld + c]} for r < rows, c < cols: dst is (cols, rows) row-major. */
    static void transpose(float[] src, int srcOff, int ld, int rows, int cols, float[] dst) {
        Parallel.forRange(cols, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int s = srcOff + r * ld;
                for (int c = c0; c < c1; c++) {
                    dst[c * rows + r] = src[s + c];
                }
            }
        });
    }

    /**
     * {@code acc[dstOff + c] += sum_r src[srcOff + r * ld + c]} for c < cols, each sum in double over r in order;
     * {@code scratch} holds at least cols doubles.
     */
    static void addColumnSums(float[] src, int srcOff, int ld, int rows, int cols, float[] acc, int dstOff,
            double[] scratch) {
        Parallel.forRange(cols, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                scratch[c] = 0;
            }
            for (int r = 0; r < rows; r++) {
                int s = srcOff + r * ld;
                for (int c = c0; c < c1; c++) {
                    scratch[c] += src[s + c];
                }
            }
            for (int c = c0; c < c1; c++) {
                acc[dstOff + c] += (float) scratch[c];
            }
        });
    }

    /** {@code dst[dstOff + i] += scale * src[srcOff + i]} for i < n. */
    static void addScaled(float[] src, int srcOff, float scale, float[] dst, int dstOff, int n) {
        Parallel.forRange(n, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                dst[dstOff + i] += scale * src[srcOff + i];
            }
        });
    }
}
