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
    public void maxInto(float[] x, int xOff, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = Math.max(acc[i], x[xOff + i]);
        }
    }

    @Override
    public void expShiftedAccumulate(float[] x, int xOff, float[] shift, float[] sum, int n) {
        for (int i = 0; i < n; i++) {
            float e = FastExp.exp(x[xOff + i] - shift[i]);
            x[xOff + i] = e;
            sum[i] += e;
        }
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
    public void fmaInto(float[] x, int xOff, float[] y, int yOff, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = Math.fma(x[xOff + i], y[yOff + i], acc[i]);
        }
    }

    @Override
    public void softmaxBackward(float[] p, int pOff, float[] g, int gOff, float[] dot, int n) {
        for (int i = 0; i < n; i++) {
            g[gOff + i] = p[pOff + i] * (g[gOff + i] - dot[i]);
        }
    }

    @Override
    public void multiplyInto(float[] x, int xOff, float[] scale, int n) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] *= scale[i];
        }
    }

    @Override
    public void normalizeRow(float[] x, int xOff, float[] y, int yOff, float meanHi, float meanLo, float rstd,
            float[] gain, int gOff, float[] bias, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = ((x[xOff + i] - meanHi) - meanLo) * rstd * gain[gOff + i] + bias[bOff + i];
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
