package org.esm2j.cpu;

/**
 * The matrix products of backward passes on the shared pool: a plain row-major GEMM split over output rows, one
 * whose left operand is read transposed in place (weight gradients), and column sums. Each output element is computed
 * by one thread in a fixed order (the kernels' in-order fma chain, rows in order for sums), so gradients do not depend
 * on the thread count.
 */
final class GradientGemm {
    /** Rows per parallel unit: the GEMM micro-kernel's row tile. */
    private static final int ROW_ALIGN = Kernels.preferred().rowTile();
    /** Rows of a whose k inputs stay in L2 while every column tile of b streams past them (as in {@link MatMul}). */
    private static final int ROW_BLOCK = 12 * ROW_ALIGN;

    private GradientGemm() {
    }

    /** {@code c = a b} with a (m, k), b (k, n), c (m, n) row-major at the given offsets and leading dimensions. */
    static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            int m, int k, int n) {
        Kernels kernels = Kernels.preferred();
        inRowBlocks(m, (rb, rows) -> kernels.gemm(a, aOff + rb * lda, lda, b, bOff, ldb, c, cOff + rb * ldc, ldc, rows,
                k, n));
    }

    /** Work on rows {@code [firstRow, firstRow + rows)} of a product. */
    @FunctionalInterface
    private interface RowBlock {
        void run(int firstRow, int rows);
    }

    /**
     * Rows {@code [0, m)} split over the pool at multiples of the row tile, each thread's range in blocks of
     * {@link #ROW_BLOCK} (a short last block joins the one before).
     */
    private static void inRowBlocks(int m, RowBlock body) {
        Parallel.forRange(m, Parallel.threads(), ROW_ALIGN, (r0, r1) -> {
            for (int rb = r0, rows; rb < r1; rb += rows) {
                rows = r1 - rb < ROW_BLOCK + ROW_BLOCK / 2 ? r1 - rb : ROW_BLOCK;
                body.run(rb, rows);
            }
        });
    }

    /**
     * Copies rows {@code [firstRow, firstRow + rows)} of a (k, n) matrix b, read from {@code src[srcOff + r * ld ..]}
     * for r < rows, into {@code packed} (at least k n floats): column panels of the kernels' panel width, the panel
     * at column c0 holding its k rows of width w at {@code packed[k c0 + row w ..]}, as {@link LinearWeights} holds a
     * layer's weights. Several calls can assemble b from separate row blocks (q, k and v weights). The micro-kernel
     * then streams one contiguous block per panel instead of two cache lines from each of k rows (measured 155 -> 185
     * GFLOP/s on Zen 5 for dy^T x); the copy is k n floats against 2 m k n flops, and the fma chains are the same.
     */
    static void packPanels(float[] src, int srcOff, int ld, int firstRow, int rows, int k, int n, float[] packed) {
        if (packed.length < (long) k * n) {
            throw new IllegalArgumentException("packing scratch holds " + packed.length + " floats, needs " + k
                    + " x " + n);
        }
        int panel = Kernels.preferred().panelWidth();
        int panels = (n + panel - 1) / panel;
        Parallel.forRange(panels, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int c0 = p * panel;
                int w = Math.min(panel, n - c0);
                int dst = k * c0 + firstRow * w;
                for (int r = 0, from = srcOff + c0; r < rows; r++, from += ld, dst += w) {
                    System.arraycopy(src, from, packed, dst, w);
                }
            }
        });
    }

    /** {@code c = a b} as {@link #multiply}, with b (k, n) in the panels of {@link #packPanels}. */
    static void multiplyPrepacked(float[] a, int aOff, int lda, float[] packed, float[] c, int cOff, int ldc, int m,
            int k, int n) {
        Kernels kernels = Kernels.preferred();
        inPanels(m, n, (rb, rows, c0, w) -> kernels.gemm(a, aOff + rb * lda, lda, packed, k * c0, w, c,
                cOff + rb * ldc + c0, ldc, rows, k, w));
    }

    /** Rows {@code [firstRow, firstRow + rows)} and the panel at column c0, w wide, of a product. */
    @FunctionalInterface
    private interface PanelBlock {
        void run(int firstRow, int rows, int c0, int w);
    }

    /** The row blocks of {@link #inRowBlocks}, each over b's panels in turn. */
    private static void inPanels(int m, int n, PanelBlock body) {
        int panel = Kernels.preferred().panelWidth();
        inRowBlocks(m, (rb, rows) -> {
            for (int c0 = 0; c0 < n; c0 += panel) {
                body.run(rb, rows, c0, Math.min(panel, n - c0));
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

    /**
     * {@code c += a^T b} with a stored as (k, m), b (k, n), c (m, n) row-major at the given offsets and leading
     * dimensions: a weight gradient {@code dW += dy^T x} read from dy (rows, out) as it is, bit for bit a transposed
     * copy of a, {@link #multiply} into a temporary and an add (see {@link Kernels#addProductTransposedA}) without
     * the copy and the temporary.
     */
    static void addProductTransposedA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int m, int k, int n) {
        Kernels kernels = Kernels.preferred();
        inRowBlocks(m, (rb, rows) -> kernels.addProductTransposedA(a, aOff + rb, lda, b, bOff, ldb, c,
                cOff + rb * ldc, ldc, rows, k, n));
    }

    /** {@link #addProductTransposedA} with b (k, n) in the panels of {@link #packPanels}. */
    static void addProductTransposedAPrepacked(float[] a, int aOff, int lda, float[] packed, float[] c, int cOff,
            int ldc, int m, int k, int n) {
        Kernels kernels = Kernels.preferred();
        inPanels(m, n, (rb, rows, c0, w) -> kernels.addProductTransposedA(a, aOff + rb, lda, packed, k * c0, w, c,
                cOff + rb * ldc + c0, ldc, rows, k, w));
    }
}
