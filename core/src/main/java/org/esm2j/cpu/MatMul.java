package org.esm2j.cpu;

/**
 * Dense layers on the CPU: {@code y = x W^T + b} over float32, row-major. Every output element is one fused
 * multiply-add chain over the input features in order, then + bias, so results do not depend on the number of rows,
 * the tiling or the thread count.
 */
public final class MatMul {
    /** Rows per parallel unit: the GEMM micro-kernel's row tile. */
    private static final int ROW_ALIGN = Kernels.preferred().rowTile();
    /**
     * Columns per parallel unit when there are too few rows to split: one weight panel (64 columns on AVX-512), so
     * that 320 outputs still make 4 units (with 4 panels per unit they made a 256-column and a 64-column part).
     */
    private static final int COL_ALIGN = LinearWeights.PANEL_WIDTH;
    /** Rows whose inputs stay in L2 while every weight panel streams past them once. */
    private static final int ROW_BLOCK = 12 * ROW_ALIGN;

    /** Work done on a block of the output right after it was computed, while it is still in cache. */
    @FunctionalInterface
    interface Epilogue {
        void apply(int rowStart, int rowEnd, int colStart, int colEnd);
    }

    private MatMul() {
    }

    /**
     * {@code y = x W^T + bias} on the shared worker pool.
     *
     * @param x (rows, inFeatures) row-major
     * @param weight (outFeatures, inFeatures) row-major, PyTorch's layout
     * @param bias (outFeatures), or null for none
     * @param y (rows, outFeatures) row-major, overwritten
     */
    public static void linear(float[] x, int rows, int inFeatures, float[] weight, int outFeatures, float[] bias,
            float[] y) {
        checkSizes(x, rows, inFeatures, y, outFeatures);
        linear(x, rows, LinearWeights.fromTorch(weight, outFeatures, inFeatures, bias), y, null, true);
    }

    /** {@link #linear} on the calling thread only. */
    public static void linearSingleThread(float[] x, int rows, int inFeatures, float[] weight, int outFeatures,
            float[] bias, float[] y) {
        checkSizes(x, rows, inFeatures, y, outFeatures);
        linear(x, rows, LinearWeights.fromTorch(weight, outFeatures, inFeatures, bias), y, null, false);
    }

    /** {@link #linearSingleThread} with weights packed once by {@link LinearWeights#fromTorch}. */
    public static void linearSingleThread(float[] x, int rows, LinearWeights w, float[] y) {
        checkSizes(x, rows, w.inFeatures, y, w.outFeatures);
        linear(x, rows, w, y, null, false);
    }

    private static void checkSizes(float[] x, int rows, int inFeatures, float[] y, int outFeatures) {
        if (rows < 0 || inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("bad linear shape: rows " + rows + ", in " + inFeatures + ", out "
                    + outFeatures);
        }
        if (x.length < (long) rows * inFeatures) {
            throw new IllegalArgumentException("x has " + x.length + " values, needs rows x in = " + rows + " x "
                    + inFeatures);
        }
        if (y.length < (long) rows * outFeatures) {
            throw new IllegalArgumentException("y has " + y.length + " values, needs rows x out = " + rows + " x "
                    + outFeatures);
        }
    }

    /** The model's entry point: prepared weights, an optional epilogue, parallel over rows (or columns when few). */
    static void linear(float[] x, int rows, LinearWeights w, float[] y, Epilogue epilogue, boolean parallel) {
        linear(x, rows, w, y, epilogue, parallel, Kernels.preferred());
    }

    /** With the kernels given, so tests can run the scalar and vector paths side by side. */
    static void linear(float[] x, int rows, LinearWeights w, float[] y, Epilogue epilogue, boolean parallel,
            Kernels k) {
        int out = w.outFeatures;
        int threads = parallel ? Parallel.threads() : 1;
        if (threads == 1) {
            block(k, x, w, y, 0, rows, 0, out, epilogue);
        } else if (rows >= 2 * ROW_ALIGN * threads) {
            // One row range per thread: every range streams all the weight panels, so more ranges than threads
            // only re-read the weights (1x128 through the t6 shape: the projections about 10% faster).
            Parallel.forRange(rows, threads, ROW_ALIGN, (r0, r1) -> block(k, x, w, y, r0, r1, 0, out, epilogue));
        } else {
            Parallel.forRange(out, 2 * threads, COL_ALIGN, (c0, c1) -> block(k, x, w, y, 0, rows, c0, c1, epilogue));
        }
    }

    private static void addBias(float[] bias, float[] y, int r0, int r1, int out, int c0, int c1) {
        for (int r = r0; r < r1; r++) {
            int row = r * out;
            for (int c = c0; c < c1; c++) {
                y[row + c] += bias[c];
            }
        }
    }

    private static void block(Kernels k, float[] x, LinearWeights w, float[] y, int r0, int r1, int c0, int c1,
            Epilogue epilogue) {
        int in = w.inFeatures;
        int out = w.outFeatures;
        for (int rb = r0, rows; rb < r1; rb += rows) {
            // A short last block joins this one: a few rows alone would stream every weight panel again for one
            // padded row tile (with the former 1- and 2-row tiles, 1x128 on 2 threads: 63 rows as 60 + 3 cost the 3
            // rows as much as 10 rows in 5-row tiles).
            rows = r1 - rb < ROW_BLOCK + ROW_BLOCK / 2 ? r1 - rb : ROW_BLOCK;
            for (int p = c0; p < c1; p += LinearWeights.PANEL_WIDTH) {
                int width = w.panelWidth(p);
                k.gemm(x, rb * in, in, w.packed, in * p, width, y, rb * out + p, out, rows, in, width);
                if (w.bias != null) { // while the block just written is in cache
                    addBias(w.bias, y, rb, rb + rows, out, p, p + width);
                }
            }
        }
        if (epilogue != null) {
            epilogue.apply(r0, r1, c0, c1);
        }
    }
}
