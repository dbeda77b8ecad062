package org.esm2j.cpu;

/**
 * Plain Java kernels, used when the Vector API is unavailable or disabled. {@code Math.fma} keeps the results identical
 * to {@link VectorKernels}; it compiles to one instruction on any x86-64 or AArch64 CPU with FMA.
 */
final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public int panelWidth() {
        return 16;
    }

    @Override
    public int rowTile() {
        return 5;
    }

    @Override
    public void gemm(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, int m,
            int k, int n) {
        product(a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, m, k, n, false);
    }

    /** The fma chain of one output element; the vector kernels use it for their column tails. */
    static float dot(float[] a, int aRow, float[] b, int bCol, int ldb, int k) {
        return dot(a, aRow, 1, b, bCol, ldb, k);
    }

    /** {@link #dot} with a's k entries {@code aStep} apart. */
    private static float dot(float[] a, int a0, int aStep, float[] b, int bCol, int ldb, int k) {
        float acc = 0f;
        for (int p = 0, ap = a0, bp = bCol; p < k; p++, ap += aStep, bp += ldb) {
            acc = Math.fma(a[ap], b[bp], acc);
        }
        return acc;
    }

    @Override
    public void gelu(float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] = Erf.gelu(x[xOff + i]);
        }
    }

    @Override
    public void geluBackward(float[] x, int xOff, float[] g, int gOff, int n) {
        for (int i = 0; i < n; i++) {
            g[gOff + i] *= Erf.geluDerivative(x[xOff + i]);
        }
    }

    @Override
    public void softmaxColumns(float[] x, int xOff, int ld, int rows, int n) {
        for (int i = 0; i < n; i++) {
            softmaxColumn(x, xOff + i, ld, rows);
        }
    }

    /** One column of {@link #softmaxColumns}; the vector kernels use it for their column tails. */
    static void softmaxColumn(float[] x, int col, int ld, int rows) {
        int end = col + rows * ld;
        float max = Float.NEGATIVE_INFINITY;
        for (int q = col; q < end; q += ld) {
            max = Math.max(max, x[q]);
        }
        float sum = 0f;
        for (int q = col; q < end; q += ld) {
            float e = FastExp.exp(x[q] - max);
            x[q] = e;
            sum += e;
        }
        float inverse = 1f / sum;
        for (int q = col; q < end; q += ld) {
            x[q] *= inverse;
        }
    }

    @Override
    public void softmaxBackwardColumns(float[] p, float[] g, int off, int ld, int rows, int n) {
        for (int i = 0; i < n; i++) {
            softmaxBackwardColumn(p, g, off + i, ld, rows);
        }
    }

    /** One column of {@link #softmaxBackwardColumns}; the vector kernels use it for their column tails. */
    static void softmaxBackwardColumn(float[] p, float[] g, int col, int ld, int rows) {
        int end = col + rows * ld;
        float dot = 0f;
        for (int q = col; q < end; q += ld) {
            dot = Math.fma(p[q], g[q], dot);
        }
        for (int q = col; q < end; q += ld) {
            g[q] = p[q] * (g[q] - dot);
        }
    }

    @Override
    public void rotateHalves(float[] x, int loOff, int hiOff, float[] cos, float[] sin, int tableOff, int n) {
        for (int i = 0; i < n; i++) {
            float c = cos[tableOff + i];
            float s = sin[tableOff + i];
            float lo = x[loOff + i];
            float hi = x[hiOff + i];
            x[loOff + i] = lo * c + -hi * s;
            x[hiOff + i] = hi * c + lo * s;
        }
    }

    @Override
    public void gatherTransposed(float[] src, int first, int ld, int t, int cols, float factor, float[] dst,
            int dstLd) {
        gatherTransposedRows(src, first, ld, 0, t, cols, factor, dst, dstLd);
    }

    /** Rows [from, t) of {@link #gatherTransposed}; the vector kernels use it for their last rows. */
    static void gatherTransposedRows(float[] src, int first, int ld, int from, int t, int cols, float factor,
            float[] dst, int dstLd) {
        for (int i = from; i < t; i++) {
            int row = first + i * ld;
            for (int d = 0; d < cols; d++) {
                dst[d * dstLd + i] = src[row + d] * factor;
            }
        }
    }

    @Override
    public void scatterTransposed(float[] srcT, int srcLd, int t, int cols, float factor, float[] dst, int first,
            int ld) {
        scatterTransposedRows(srcT, srcLd, 0, t, cols, factor, dst, first, ld);
    }

    /** Rows [from, t) of {@link #scatterTransposed}; the vector kernels use it for their last rows. */
    static void scatterTransposedRows(float[] srcT, int srcLd, int from, int t, int cols, float factor, float[] dst,
            int first, int ld) {
        for (int i = from; i < t; i++) {
            int row = first + i * ld;
            for (int d = 0; d < cols; d++) {
                dst[row + d] = srcT[d * srcLd + i] * factor;
            }
        }
    }

    @Override
    public void addProductTransposedA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int m, int k, int n) {
        product(a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, m, k, n, true);
    }

    /**
     * {@code c = a b}, or {@code c += a b} when accumulating, for a whose element (i, p) is
     * {@code a[aOff + i * rowStep + p * step]}: row-major a for {@link #gemm}, a stored transposed for
     * {@link #addProductTransposedA}.
     */
    private static void product(float[] a, int aOff, int rowStep, int step, float[] b, int bOff, int ldb, float[] c,
            int cOff, int ldc, int m, int k, int n, boolean accumulate) {
        // Four columns at a time so each loaded a[i, p] feeds four independent accumulators.
        for (int i = 0; i < m; i++) {
            int aRow = aOff + i * rowStep;
            int cRow = cOff + i * ldc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                float c0 = 0f;
                float c1 = 0f;
                float c2 = 0f;
                float c3 = 0f;
                for (int p = 0, ap = aRow, bp = bOff + j; p < k; p++, ap += step, bp += ldb) {
                    float av = a[ap];
                    c0 = Math.fma(av, b[bp], c0);
                    c1 = Math.fma(av, b[bp + 1], c1);
                    c2 = Math.fma(av, b[bp + 2], c2);
                    c3 = Math.fma(av, b[bp + 3], c3);
                }
                store(c, cRow + j, c0, accumulate);
                store(c, cRow + j + 1, c1, accumulate);
                store(c, cRow + j + 2, c2, accumulate);
                store(c, cRow + j + 3, c3, accumulate);
            }
            for (; j < n; j++) {
                store(c, cRow + j, dot(a, aRow, step, b, bOff + j, ldb, k), accumulate);
            }
        }
    }

    private static void store(float[] c, int at, float sum, boolean accumulate) {
        c[at] = accumulate ? c[at] + sum : sum;
    }
}
