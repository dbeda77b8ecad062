package org.esm2j.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. Only loaded after {@link Kernels} has checked that {@code jdk.incubator.vector} is present.
 * The GEMM micro-kernel holds a 5 x (2 vectors) tile of C in registers (10 accumulators: fits AVX2's 16 registers
 * with room for the B loads and the A broadcast) and streams k. With 512-bit vectors (AVX-512, 32 registers) the
 * row tile is 8: column blocks four vectors wide run as two 4 x 4 tiles (16 accumulators, 4 B vectors, the
 * broadcast), which take 4 broadcasts and 4 loads per 16 fmas where an 8 x 2 tile takes 8 and 2. On Zen 5 the
 * 4 x 4 tile ran the feed-forward shapes at 167-182 GFLOP/s against 104-122 for 8 x 2, with independent fmas
 * peaking at 186 (a 6 x 4 tile spilled in some compilations and ran at a twentieth of the speed). Narrower column
 * blocks run the one-vector tile (8 x 1; 5 x 1 on AVX2), which attention's head_dim-wide products keep hot, and the
 * rows left after the last whole row tile run the same tiles on a zero-padded copy ({@link #paddedLastRows}), so no
 * tile exists that runs rarely: such a tile may never be compiled by C2, and outside C2 every vector is allocated
 * (an 8 x 2 tile kept for the 32 columns left of 480 did that in 3 JVMs of 4: 219 MB per esm2_t12_35M forward). Every element is an in-order fma chain, exactly as in {@link ScalarKernels}. Every tile
 * takes its first step (an fma onto zero, as the chain's first step) before its loop, so no constant zero vector
 * enters the accumulators' loop phis: that merge is boxed in some C2 compilations (JDK 17), one allocation per
 * accumulator per tile call, which JFR put at 26 MB per training step of the 8M shape at 2 x 128.
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** 512-bit vectors: taken as a machine with 32 vector registers, where 16-accumulator tiles fit (class comment). */
    private static final boolean EIGHT_ROW_TILES = V >= 16;
    /** Rows of every GEMM tile: {@link #rowTile()}. */
    private static final int ROW_TILE = EIGHT_ROW_TILES ? 8 : 5;
    /** Columns of {@link #addProductTransposedA}'s main tile: the widest register tile. */
    private static final int TRANSPOSED_TILE_WIDTH = EIGHT_ROW_TILES ? 4 * V : 2 * V;
    // Constants as vectors: broadcasting inside the kernels adds many IR nodes, and past C2's node-count cutoff
    // the kernel helpers stop being inlined and every intermediate vector is allocated.
    private static final FloatVector K_LN2_HI = FloatVector.broadcast(S, FastExp.LN2_HI);
    private static final FloatVector K_LN2_LO = FloatVector.broadcast(S, FastExp.LN2_LO);
    private static final FloatVector K_C7 = FloatVector.broadcast(S, FastExp.C7);
    private static final FloatVector K_C6 = FloatVector.broadcast(S, FastExp.C6);
    private static final FloatVector K_C5 = FloatVector.broadcast(S, FastExp.C5);
    private static final FloatVector K_C4 = FloatVector.broadcast(S, FastExp.C4);
    private static final FloatVector K_C3 = FloatVector.broadcast(S, FastExp.C3);
    private static final FloatVector K_C2 = FloatVector.broadcast(S, FastExp.C2);
    private static final FloatVector K_ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector K_HALF = FloatVector.broadcast(S, Erf.HALF);
    private static final FloatVector K_P9 = FloatVector.broadcast(S, Erf.P9);
    private static final FloatVector K_P8 = FloatVector.broadcast(S, Erf.P8);
    private static final FloatVector K_P7 = FloatVector.broadcast(S, Erf.P7);
    private static final FloatVector K_P6 = FloatVector.broadcast(S, Erf.P6);
    private static final FloatVector K_P5 = FloatVector.broadcast(S, Erf.P5);
    private static final FloatVector K_P4 = FloatVector.broadcast(S, Erf.P4);
    private static final FloatVector K_P3 = FloatVector.broadcast(S, Erf.P3);
    private static final FloatVector K_P2 = FloatVector.broadcast(S, Erf.P2);
    private static final FloatVector K_P1 = FloatVector.broadcast(S, Erf.P1);
    private static final FloatVector K_P0 = FloatVector.broadcast(S, Erf.P0);
    private static final FloatVector K_NEG_HALF = FloatVector.broadcast(S, -Erf.HALF);
    private static final FloatVector K_MIN_INPUT = FloatVector.broadcast(S, FastExp.MIN_INPUT);
    private static final FloatVector K_LOG2E = FloatVector.broadcast(S, FastExp.LOG2E);
    private static final FloatVector K_ROUND_MAGIC = FloatVector.broadcast(S, FastExp.ROUND_MAGIC);
    private static final FloatVector K_MAX_ABS = FloatVector.broadcast(S, Erf.MAX_ABS);
    private static final FloatVector K_INV_SQRT2 = FloatVector.broadcast(S, Erf.INV_SQRT2);
    private static final FloatVector K_INV_SQRT_2PI = FloatVector.broadcast(S, Erf.INV_SQRT_2PI);
    private static final FloatVector K_ZERO = FloatVector.broadcast(S, 0f);
    private static final FloatVector K_NEG_MAX_ABS = FloatVector.broadcast(S, -Erf.MAX_ABS);
    private static final IntVector K_EXP_BIAS_BITS = IntVector.broadcast(
            VectorSpecies.of(int.class, S.vectorShape()), FastExp.ROUND_MAGIC_BITS - 127);

    /** Elements of the GELU kernels' passes at a time: a chunk's slots stay in L1 between them (see GeluPass). */
    private static final int GELU_CHUNK = 1024;
    private static final int GELU_HALF_T = GELU_CHUNK;
    private static final int GELU_SMALL = 2 * GELU_CHUNK;
    private static final int GELU_BIG = 3 * GELU_CHUNK;
    /**
     * Per thread: the padded a and c blocks of {@link #paddedLastRows} and {@link #paddedLastRowsTransposedA}, grown
     * on demand and then reused.
     */
    private final ThreadLocal<float[]> paddedRowsScratch = ThreadLocal.withInitial(() -> new float[0]);
    /** Per thread: one register tile's products in {@link #addProductTransposedA}, before they are added to c. */
    private final ThreadLocal<float[]> transposedATile =
            ThreadLocal.withInitial(() -> new float[ROW_TILE * TRANSPOSED_TILE_WIDTH]);
    /** Rows of c computed at a time by {@link #narrowColumns}, rounded down to whole row tiles. */
    private static final int NARROW_ROW_BLOCK = 64;
    /**
     * Per thread: the padded b and c blocks of {@link #narrowColumns} and {@link #narrowColumnsTransposedA}, grown on
     * demand and then reused.
     */
    private final ThreadLocal<float[]> narrowScratch = ThreadLocal.withInitial(() -> new float[0]);
    /** Per thread: the four slots of a GELU chunk (see {@link GeluPass}). */
    private final ThreadLocal<float[]> geluScratch = ThreadLocal.withInitial(() -> new float[4 * GELU_CHUNK]);

    private VectorKernels() {
    }

    static Kernels create() {
        return new VectorKernels();
    }

    String describe() {
        return V + " float lanes";
    }

    @Override
    public int panelWidth() {
        return EIGHT_ROW_TILES ? 4 * V : Math.max(16, 2 * V);
    }

    @Override
    public int rowTile() {
        return ROW_TILE;
    }

    @Override
    public void gemm(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, int m,
            int k, int n) {
        if (k == 0) { // the tiles take their first step before their loop, so an empty sum is handled here
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        int whole = m - m % ROW_TILE;
        if (whole > 0) {
            tiles(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, whole, k, n);
        }
        if (whole < m) {
            paddedLastRows(a, aOff + whole * lda, lda, b, bOff, ldb, c, cOff + whole * ldc, ldc, m - whole, k, n);
        }
    }

    /** {@link #gemm} for k > 0 and m a positive multiple of {@link #ROW_TILE}. */
    private void tiles(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, int m,
            int k, int n) {
        int j = 0;
        if (EIGHT_ROW_TILES) {
            for (; j + 4 * V <= n; j += 4 * V) {
                for (int i = 0; i < m; i += 4) {
                    tile4x4(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, k);
                }
            }
        } else {
            for (; j + 2 * V <= n; j += 2 * V) {
                for (int i = 0; i < m; i += ROW_TILE) {
                    tile5x2(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, k);
                }
            }
        }
        for (; j + V <= n; j += V) {
            oneVectorColumns(a, aOff, lda, b, bOff + j, ldb, c, cOff + j, ldc, m, k);
        }
        if (j < n) {
            narrowColumns(a, aOff, lda, b, bOff + j, ldb, c, cOff + j, ldc, m, k, n - j);
        }
    }

    /**
     * The last {@code rows} (fewer than a row tile) rows of a product: a's rows copied into a zero-padded (row tile,
     * k) block and c computed into a (row tile, n) block by the main tiles, then its first rows copied out. Tiles of
     * fewer rows would run so rarely (the LM head's scored rows, a row range's remainder) that C2 may never compile
     * them, and interpreted Vector API code allocates every vector: JFR put 1.9 GB per esm2_t12_35M training step in
     * a 2-row tile. Each element is still one in-order fma chain; the padding rows are discarded. The price is the
     * padding rows' work: with 5-row tiles, 16 rows (head_dim 16 in attention) measured 1.1x the time of 5 + 5 + 4 + 2
     * rows in compiled smaller tiles.
     */
    private void paddedLastRows(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int rows, int k, int n) {
        float[] scratch = atLeast(paddedRowsScratch, ROW_TILE * (k + n));
        int cBlock = ROW_TILE * k;
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a, aOff + i * lda, scratch, i * k, k);
        }
        Arrays.fill(scratch, rows * k, cBlock, 0f);
        tiles(scratch, 0, k, b, bOff, ldb, scratch, cBlock, n, ROW_TILE, k, n);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(scratch, cBlock + i * n, c, cOff + i * ldc, n);
        }
    }

    /** This thread's buffer of {@code holder}, replaced by a larger one when it holds fewer than n floats. */
    private static float[] atLeast(ThreadLocal<float[]> holder, int n) {
        float[] buffer = holder.get();
        if (buffer.length < n) {
            buffer = new float[n];
            holder.set(buffer);
        }
        return buffer;
    }

    /** The V columns of c at cOff over m rows, a multiple of {@link #ROW_TILE}. */
    private static void oneVectorColumns(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
            int cOff, int ldc, int m, int k) {
        for (int i = 0; i < m; i += ROW_TILE) {
            if (EIGHT_ROW_TILES) {
                tile8x1(a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, k);
            } else {
                tile5x1(a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, k);
            }
        }
    }

    /**
     * The last {@code w < V} columns of a product over m rows (a positive multiple of {@link #ROW_TILE}): b's
     * columns copied into a zero-padded (k, V) block and c computed into a (rows, V) block by the one-vector tiles,
     * then its first w columns copied out, so that a LoRA rank of 8 or the 33 tokens of the LM head do not fall to
     * scalar dot products (a fifth of a LoRA training step). Each element is still one in-order fma chain, and the
     * padding lanes are discarded.
     */
    private void narrowColumns(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int m, int k, int w) {
        int blockRows = Math.min(m, NARROW_ROW_BLOCK - NARROW_ROW_BLOCK % ROW_TILE);
        float[] scratch = atLeast(narrowScratch, (k + blockRows) * V);
        int cBlock = k * V;
        Arrays.fill(scratch, 0, cBlock, 0f);
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * ldb, scratch, p * V, w);
        }
        for (int i0 = 0; i0 < m; i0 += blockRows) {
            int rows = Math.min(blockRows, m - i0);
            oneVectorColumns(a, aOff + i0 * lda, lda, scratch, 0, V, scratch, cBlock, V, rows, k);
            for (int i = 0; i < rows; i++) {
                System.arraycopy(scratch, cBlock + i * V, c, cOff + (i0 + i) * ldc, w);
            }
        }
    }

    /**
     * 4 rows x 4 vectors: 16 accumulators, 4 b loads and 4 broadcasts per 16 fmas, for machines with 32 vector
     * registers (class comment).
     */
    private static void tile4x4(float[] a, int a0, int lda, float[] b, int bp, int ldb, float[] c, int cp, int ldc,
            int k) {
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        // First step peeled (class comment).
        FloatVector zero = FloatVector.zero(S);
        FloatVector first0 = FloatVector.fromArray(S, b, bp);
        FloatVector first1 = FloatVector.fromArray(S, b, bp + V);
        FloatVector first2 = FloatVector.fromArray(S, b, bp + 2 * V);
        FloatVector first3 = FloatVector.fromArray(S, b, bp + 3 * V);
        FloatVector ax = FloatVector.broadcast(S, a[a0]);
        FloatVector c00 = ax.fma(first0, zero);
        FloatVector c01 = ax.fma(first1, zero);
        FloatVector c02 = ax.fma(first2, zero);
        FloatVector c03 = ax.fma(first3, zero);
        ax = FloatVector.broadcast(S, a[a1]);
        FloatVector c10 = ax.fma(first0, zero);
        FloatVector c11 = ax.fma(first1, zero);
        FloatVector c12 = ax.fma(first2, zero);
        FloatVector c13 = ax.fma(first3, zero);
        ax = FloatVector.broadcast(S, a[a2]);
        FloatVector c20 = ax.fma(first0, zero);
        FloatVector c21 = ax.fma(first1, zero);
        FloatVector c22 = ax.fma(first2, zero);
        FloatVector c23 = ax.fma(first3, zero);
        ax = FloatVector.broadcast(S, a[a3]);
        FloatVector c30 = ax.fma(first0, zero);
        FloatVector c31 = ax.fma(first1, zero);
        FloatVector c32 = ax.fma(first2, zero);
        FloatVector c33 = ax.fma(first3, zero);
        bp += ldb;
        for (int p = 1; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * V);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        c00.intoArray(c, cp);
        c01.intoArray(c, cp + V);
        c02.intoArray(c, cp + 2 * V);
        c03.intoArray(c, cp + 3 * V);
        cp += ldc;
        c10.intoArray(c, cp);
        c11.intoArray(c, cp + V);
        c12.intoArray(c, cp + 2 * V);
        c13.intoArray(c, cp + 3 * V);
        cp += ldc;
        c20.intoArray(c, cp);
        c21.intoArray(c, cp + V);
        c22.intoArray(c, cp + 2 * V);
        c23.intoArray(c, cp + 3 * V);
        cp += ldc;
        c30.intoArray(c, cp);
        c31.intoArray(c, cp + V);
        c32.intoArray(c, cp + 2 * V);
        c33.intoArray(c, cp + 3 * V);
    }

    /** 8 rows x 1 vector: the 8 independent chains that two pipes of 4-cycle fmas need (class comment). */
    private static void tile8x1(float[] a, int a0, int lda, float[] b, int bp, int ldb, float[] c, int cp, int ldc,
            int k) {
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        int a4 = a3 + lda;
        int a5 = a4 + lda;
        int a6 = a5 + lda;
        int a7 = a6 + lda;
        // First step peeled (class comment).
        FloatVector zero = FloatVector.zero(S);
        FloatVector first = FloatVector.fromArray(S, b, bp);
        FloatVector c0 = FloatVector.broadcast(S, a[a0]).fma(first, zero);
        FloatVector c1 = FloatVector.broadcast(S, a[a1]).fma(first, zero);
        FloatVector c2 = FloatVector.broadcast(S, a[a2]).fma(first, zero);
        FloatVector c3 = FloatVector.broadcast(S, a[a3]).fma(first, zero);
        FloatVector c4 = FloatVector.broadcast(S, a[a4]).fma(first, zero);
        FloatVector c5 = FloatVector.broadcast(S, a[a5]).fma(first, zero);
        FloatVector c6 = FloatVector.broadcast(S, a[a6]).fma(first, zero);
        FloatVector c7 = FloatVector.broadcast(S, a[a7]).fma(first, zero);
        bp += ldb;
        for (int p = 1; p < k; p++, bp += ldb) {
            FloatVector bv = FloatVector.fromArray(S, b, bp);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, a[a6 + p]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, a[a7 + p]).fma(bv, c7);
        }
        c0.intoArray(c, cp);
        c1.intoArray(c, cp + ldc);
        c2.intoArray(c, cp + 2 * ldc);
        c3.intoArray(c, cp + 3 * ldc);
        c4.intoArray(c, cp + 4 * ldc);
        c5.intoArray(c, cp + 5 * ldc);
        c6.intoArray(c, cp + 6 * ldc);
        c7.intoArray(c, cp + 7 * ldc);
    }

    /**
     * 5 rows x 2 vectors: 10 accumulators, as many independent fma chains as two pipes of 5-cycle fmas need, plus the
     * two B vectors and one A broadcast: 13 of AVX2's 16 registers. (A 6-row tile needs 15, and C2 then often spills
     * inside the loop: measured half the speed in one JIT compilation out of two.)
     */
    private static void tile5x2(float[] a, int a0, int lda, float[] b, int bp, int ldb, float[] c, int cp, int ldc,
            int k) {
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        int a4 = a3 + lda;
        // First step peeled (class comment).
        FloatVector zero = FloatVector.zero(S);
        FloatVector first0 = FloatVector.fromArray(S, b, bp);
        FloatVector first1 = FloatVector.fromArray(S, b, bp + V);
        FloatVector ax = FloatVector.broadcast(S, a[a0]);
        FloatVector c00 = ax.fma(first0, zero);
        FloatVector c01 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[a1]);
        FloatVector c10 = ax.fma(first0, zero);
        FloatVector c11 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[a2]);
        FloatVector c20 = ax.fma(first0, zero);
        FloatVector c21 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[a3]);
        FloatVector c30 = ax.fma(first0, zero);
        FloatVector c31 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[a4]);
        FloatVector c40 = ax.fma(first0, zero);
        FloatVector c41 = ax.fma(first1, zero);
        bp += ldb;
        for (int p = 1; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        c00.intoArray(c, cp);
        c01.intoArray(c, cp + V);
        cp += ldc;
        c10.intoArray(c, cp);
        c11.intoArray(c, cp + V);
        cp += ldc;
        c20.intoArray(c, cp);
        c21.intoArray(c, cp + V);
        cp += ldc;
        c30.intoArray(c, cp);
        c31.intoArray(c, cp + V);
        cp += ldc;
        c40.intoArray(c, cp);
        c41.intoArray(c, cp + V);
    }

    /** 5 rows x 1 vector: the one-vector tile of machines without 8-row tiles, for the rows of {@link #tile5x2}. */
    private static void tile5x1(float[] a, int a0, int lda, float[] b, int bp, int ldb, float[] c, int cp, int ldc,
            int k) {
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        int a4 = a3 + lda;
        // First step peeled (class comment).
        FloatVector zero = FloatVector.zero(S);
        FloatVector first = FloatVector.fromArray(S, b, bp);
        FloatVector c0 = FloatVector.broadcast(S, a[a0]).fma(first, zero);
        FloatVector c1 = FloatVector.broadcast(S, a[a1]).fma(first, zero);
        FloatVector c2 = FloatVector.broadcast(S, a[a2]).fma(first, zero);
        FloatVector c3 = FloatVector.broadcast(S, a[a3]).fma(first, zero);
        FloatVector c4 = FloatVector.broadcast(S, a[a4]).fma(first, zero);
        bp += ldb;
        for (int p = 1; p < k; p++, bp += ldb) {
            FloatVector bv = FloatVector.fromArray(S, b, bp);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(bv, c4);
        }
        c0.intoArray(c, cp);
        c1.intoArray(c, cp + ldc);
        c2.intoArray(c, cp + 2 * ldc);
        c3.intoArray(c, cp + 3 * ldc);
        c4.intoArray(c, cp + 4 * ldc);
    }

    @Override
    public void maxInto(float[] x, int xOff, float[] acc, int n) {
        int i = 0;
        for (; i + V <= n; i += V) {
            FloatVector.fromArray(S, acc, i).max(FloatVector.fromArray(S, x, xOff + i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Math.max(acc[i], x[xOff + i]);
        }
    }

    @Override
    public void expShiftedAccumulate(float[] x, int xOff, float[] shift, float[] sum, int n) {
        int i = 0;
        for (; i + V <= n; i += V) {
            FloatVector e = exp(FloatVector.fromArray(S, x, xOff + i).sub(FloatVector.fromArray(S, shift, i)));
            e.intoArray(x, xOff + i);
            FloatVector.fromArray(S, sum, i).add(e).intoArray(sum, i);
        }
        for (; i < n; i++) {
            float e = FastExp.exp(x[xOff + i] - shift[i]);
            x[xOff + i] = e;
            sum[i] += e;
        }
    }

    /** {@link FastExp#exp} lane by lane, with the same operations in the same order. */
    private static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(K_MIN_INPUT);
        FloatVector rounded = xc.mul(K_LOG2E).add(K_ROUND_MAGIC);
        FloatVector n = rounded.sub(K_ROUND_MAGIC);
        FloatVector negN = n.neg();
        FloatVector r = negN.fma(K_LN2_HI, xc);
        r = negN.fma(K_LN2_LO, r);
        return expPolynomial(r).mul(pow2(rounded));
    }

    private static FloatVector expPolynomial(FloatVector r) {
        FloatVector p = K_C7.fma(r, K_C6);
        p = p.fma(r, K_C5);
        p = p.fma(r, K_C4);
        p = p.fma(r, K_C3);
        p = p.fma(r, K_C2);
        p = p.fma(r, K_ONE);
        return p.fma(r, K_ONE);
    }

    /**
     * 2^n from {@code rounded = 1.5 * 2^23 + n}, whose low mantissa bits are n: the integer without an F2I conversion,
     * which C2 does not intrinsify on AVX2 in JDK 17 (it falls back to a slow, allocating path).
     */
    private static FloatVector pow2(FloatVector rounded) {
        return rounded.reinterpretAsInts().sub(K_EXP_BIAS_BITS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
    }

    @Override
    public void gelu(float[] x, int xOff, int n) {
        int vectorEnd = runGeluPasses(GELU_FORWARD, x, xOff, null, 0, n);
        for (int i = vectorEnd; i < n; i++) {
            x[xOff + i] = Erf.gelu(x[xOff + i]);
        }
    }

    @Override
    public void geluBackward(float[] x, int xOff, float[] g, int gOff, int n) {
        int vectorEnd = runGeluPasses(GELU_BACKWARD, x, xOff, g, gOff, n);
        for (int i = vectorEnd; i < n; i++) {
            g[gOff + i] *= Erf.geluDerivative(x[xOff + i]);
        }
    }

    /**
     * One loop of the GELU pipeline over a chunk of at most {@link #GELU_CHUNK} elements (a multiple of 2V), with
     * its four scratch slots: Phi (slot 0), t / 2 ({@link #GELU_HALF_T}), P(t), then the small exponent part, then
     * the exponential ({@link #GELU_SMALL}), and the large exponent part -x^2 / 2 ({@link #GELU_BIG}); g is the
     * gradient of the backward pass.
     */
    private interface GeluPass {
        void run(float[] x, int xOff, float[] scratch, float[] g, int gOff, int n);
    }

    // Phi(x) of Erf.gelu lane by lane, in the operations and order of the scalar code, as a pipeline of short loops
    // over arrays that pass no vector between methods. The passes are called through an array (runGeluPasses), so
    // that the call site sees many receiver classes and C2 inlines none of them: each is compiled on its own. Inlined
    // into one caller they reach C2's node-count cutoff while it expands the Vector API, and an operation left
    // un-intrinsified or a vector helper left out of line boxes every vector (hundreds of MB per training step, in
    // some JVM runs and not others; seen with the loops as plain calls, and with one 54-operation loop).
    private static final GeluPass RATIONAL = (x, xOff, s, g, gOff, n) -> halfErfcRational(x, xOff, s, n);
    private static final GeluPass EXPONENT = (x, xOff, s, g, gOff, n) -> halfErfcExponent(x, xOff, s, n);
    private static final GeluPass EXPONENTIAL = (x, xOff, s, g, gOff, n) -> expOfSumInto(s, GELU_BIG, GELU_SMALL, n);
    private static final GeluPass CDF = (x, xOff, s, g, gOff, n) -> normalCdfFromHalfErfc(x, xOff, s, n);
    private static final GeluPass[] GELU_FORWARD = {RATIONAL, EXPONENT, EXPONENTIAL, CDF,
        (x, xOff, s, g, gOff, n) -> multiplyByNormalCdf(x, xOff, s, n)};
    private static final GeluPass[] GELU_BACKWARD = {RATIONAL, EXPONENT, EXPONENTIAL, CDF,
        (x, xOff, s, g, gOff, n) -> densitySmallPart(x, xOff, s, n), EXPONENTIAL,
        (x, xOff, s, g, gOff, n) -> multiplyByGeluDerivative(x, xOff, s, g, gOff, n)};

    /** Runs the passes chunk by chunk over the first elements of x (a multiple of 2V); returns how many. */
    private int runGeluPasses(GeluPass[] passes, float[] x, int xOff, float[] g, int gOff, int n) {
        float[] scratch = geluScratch.get();
        int vectorEnd = n - n % (2 * V);
        for (int c0 = 0; c0 < vectorEnd; c0 += GELU_CHUNK) {
            int len = Math.min(GELU_CHUNK, vectorEnd - c0);
            for (GeluPass pass : passes) {
                pass.run(x, xOff + c0, scratch, g, gOff + c0, len);
            }
        }
        return vectorEnd;
    }

    /** {@code x = max(x, -MAX_ABS) Phi(x)} with Phi from slot 0: the end of {@link Erf#gelu} lane by lane. */
    private static void multiplyByNormalCdf(float[] x, int xOff, float[] scratch, int n) {
        for (int i = 0; i < n; i += V) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            xv.max(K_NEG_MAX_ABS).mul(FloatVector.fromArray(S, scratch, i)).intoArray(x, xOff + i);
        }
    }

    /**
     * Erf's rational part: t / 2 and the polynomial P(t) into their slots, two vectors per iteration with their
     * nine-fma chains interleaved (with one vector per iteration the core waited on the chain: 0.44 -> 0.27 ns per
     * element on Zen 5).
     */
    private static void halfErfcRational(float[] x, int xOff, float[] scratch, int n) {
        for (int i = 0; i < n; i += 2 * V) {
            FloatVector a = FloatVector.fromArray(S, x, xOff + i).abs().min(K_MAX_ABS);
            FloatVector b = FloatVector.fromArray(S, x, xOff + i + V).abs().min(K_MAX_ABS);
            FloatVector at = K_ONE.div(a.mul(K_INV_SQRT2).fma(K_HALF, K_ONE));
            FloatVector bt = K_ONE.div(b.mul(K_INV_SQRT2).fma(K_HALF, K_ONE));
            FloatVector ap = K_P9.fma(at, K_P8);
            FloatVector bp = K_P9.fma(bt, K_P8);
            ap = ap.fma(at, K_P7);
            bp = bp.fma(bt, K_P7);
            ap = ap.fma(at, K_P6);
            bp = bp.fma(bt, K_P6);
            ap = ap.fma(at, K_P5);
            bp = bp.fma(bt, K_P5);
            ap = ap.fma(at, K_P4);
            bp = bp.fma(bt, K_P4);
            ap = ap.fma(at, K_P3);
            bp = bp.fma(bt, K_P3);
            ap = ap.fma(at, K_P2);
            bp = bp.fma(bt, K_P2);
            ap = ap.fma(at, K_P1);
            bp = bp.fma(bt, K_P1);
            ap.fma(at, K_P0).intoArray(scratch, GELU_SMALL + i);
            bp.fma(bt, K_P0).intoArray(scratch, GELU_SMALL + i + V);
            at.mul(K_HALF).intoArray(scratch, GELU_HALF_T + i);
            bt.mul(K_HALF).intoArray(scratch, GELU_HALF_T + i + V);
        }
    }

    /**
     * The exponent of erfc, -x^2 / 2 + P(t), split exactly as in Erf: the large part -x^2 / 2 into its slot, and the
     * small part (P plus the rounding error of x^2, times -1/2) over P in its slot.
     */
    private static void halfErfcExponent(float[] x, int xOff, float[] scratch, int n) {
        for (int i = 0; i < n; i += V) {
            FloatVector a = FloatVector.fromArray(S, x, xOff + i).abs().min(K_MAX_ABS);
            FloatVector square = a.mul(a);
            FloatVector squareLo = a.fma(a, square.neg());
            squareLo.fma(K_NEG_HALF, FloatVector.fromArray(S, scratch, GELU_SMALL + i))
                    .intoArray(scratch, GELU_SMALL + i);
            square.mul(K_HALF).neg().intoArray(scratch, GELU_BIG + i);
        }
    }

    /**
     * {@code scratch[small + i] = exp(scratch[big + i] + scratch[small + i])} for i < n: {@link FastExp#expOfSum}
     * lane by lane.
     */
    private static void expOfSumInto(float[] scratch, int big, int small, int n) {
        for (int i = 0; i < n; i += V) {
            FloatVector bigPart = FloatVector.fromArray(S, scratch, big + i);
            FloatVector smallPart = FloatVector.fromArray(S, scratch, small + i);
            FloatVector rounded = bigPart.add(smallPart).mul(K_LOG2E).add(K_ROUND_MAGIC);
            FloatVector negN = rounded.sub(K_ROUND_MAGIC).neg();
            FloatVector r = negN.fma(K_LN2_LO, negN.fma(K_LN2_HI, bigPart)).add(smallPart);
            FloatVector p = K_C7.fma(r, K_C6);
            p = p.fma(r, K_C5);
            p = p.fma(r, K_C4);
            p = p.fma(r, K_C3);
            p = p.fma(r, K_C2);
            p = p.fma(r, K_ONE);
            p.fma(r, K_ONE).mul(rounded.reinterpretAsInts().sub(K_EXP_BIAS_BITS).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats()).intoArray(scratch, small + i);
        }
    }

    /** Phi = 1 - halfErfc for x >= 0, halfErfc for x < 0, with halfErfc = t / 2 times the exponential. */
    private static void normalCdfFromHalfErfc(float[] x, int xOff, float[] scratch, int n) {
        for (int i = 0; i < n; i += V) {
            FloatVector halfErfc = FloatVector.fromArray(S, scratch, GELU_HALF_T + i)
                    .mul(FloatVector.fromArray(S, scratch, GELU_SMALL + i));
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            K_ONE.sub(halfErfc).blend(halfErfc, xv.lt(K_ZERO)).intoArray(scratch, i);
        }
    }

    /**
     * The small part of the density's exponent, {@code -x^2 / 2 = big + small} with small the rounding error of x^2
     * times -1/2, into its slot (the large part is still in its slot from {@link #halfErfcExponent}).
     */
    private static void densitySmallPart(float[] x, int xOff, float[] scratch, int n) {
        for (int i = 0; i < n; i += V) {
            FloatVector a = FloatVector.fromArray(S, x, xOff + i).abs().min(K_MAX_ABS);
            K_NEG_HALF.mul(a.fma(a, a.mul(a).neg())).intoArray(scratch, GELU_SMALL + i);
        }
    }

    /**
     * {@code g *= Phi(x) + x phi(x)} with Phi in slot 0 and exp(-x^2 / 2) in the exponential's slot: the rest of
     * {@link Erf#geluDerivative} lane by lane.
     */
    private static void multiplyByGeluDerivative(float[] x, int xOff, float[] scratch, float[] g, int gOff, int n) {
        for (int i = 0; i < n; i += V) {
            FloatVector density = K_INV_SQRT_2PI.mul(FloatVector.fromArray(S, scratch, GELU_SMALL + i));
            FloatVector derivative = FloatVector.fromArray(S, x, xOff + i).min(K_MAX_ABS).max(K_NEG_MAX_ABS)
                    .fma(density, FloatVector.fromArray(S, scratch, i));
            FloatVector.fromArray(S, g, gOff + i).mul(derivative).intoArray(g, gOff + i);
        }
    }

    @Override
    public void fmaInto(float[] x, int xOff, float[] y, int yOff, float[] acc, int n) {
        int i = 0;
        for (; i + V <= n; i += V) {
            FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i),
                    FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = Math.fma(x[xOff + i], y[yOff + i], acc[i]);
        }
    }

    @Override
    public void softmaxBackward(float[] p, int pOff, float[] g, int gOff, float[] dot, int n) {
        int i = 0;
        for (; i + V <= n; i += V) {
            FloatVector gv = FloatVector.fromArray(S, g, gOff + i).sub(FloatVector.fromArray(S, dot, i));
            FloatVector.fromArray(S, p, pOff + i).mul(gv).intoArray(g, gOff + i);
        }
        for (; i < n; i++) {
            g[gOff + i] = p[pOff + i] * (g[gOff + i] - dot[i]);
        }
    }

    @Override
    public void multiplyInto(float[] x, int xOff, float[] scale, int n) {
        int i = 0;
        for (; i + V <= n; i += V) {
            FloatVector.fromArray(S, x, xOff + i).mul(FloatVector.fromArray(S, scale, i)).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= scale[i];
        }
    }

    @Override
    public void normalizeRow(float[] x, int xOff, float[] y, int yOff, float meanHi, float meanLo, float rstd,
            float[] gain, int gOff, float[] bias, int bOff, int n) {
        FloatVector hi = FloatVector.broadcast(S, meanHi);
        FloatVector lo = FloatVector.broadcast(S, meanLo);
        FloatVector scale = FloatVector.broadcast(S, rstd);
        int i = 0;
        for (; i + V <= n; i += V) {
            FloatVector centred = FloatVector.fromArray(S, x, xOff + i).sub(hi).sub(lo);
            centred.mul(scale).mul(FloatVector.fromArray(S, gain, gOff + i))
                    .add(FloatVector.fromArray(S, bias, bOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = ((x[xOff + i] - meanHi) - meanLo) * rstd * gain[gOff + i] + bias[bOff + i];
        }
    }

    @Override
    public void addProductTransposedA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int m, int k, int n) {
        if (k == 0) { // the tiles take their first step before their loop; an empty sum adds 0
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    c[cOff + i * ldc + j] += 0f;
                }
            }
            return;
        }
        int tileRows = rowTile();
        int wholeRows = m - m % tileRows;
        int wholeColumns = n - n % TRANSPOSED_TILE_WIDTH;
        float[] tile = transposedATile.get();
        for (int j = 0; j < wholeColumns; j += TRANSPOSED_TILE_WIDTH) {
            for (int i = 0; i < wholeRows; i += tileRows) {
                tileTransposedA(a, aOff + i, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, k, tile);
            }
        }
        if (wholeColumns < n && wholeRows > 0) {
            narrowColumnsTransposedA(a, aOff, lda, b, bOff + wholeColumns, ldb, c, cOff + wholeColumns, ldc, wholeRows,
                    k, n - wholeColumns);
        }
        if (wholeRows < m) {
            paddedLastRowsTransposedA(a, aOff + wholeRows, lda, b, bOff, ldb, c, cOff + wholeRows * ldc, ldc,
                    m - wholeRows, k, n);
        }
    }

    /**
     * The main tile of {@link #addProductTransposedA}, {@link #rowTile()} rows x {@link #TRANSPOSED_TILE_WIDTH}
     * columns (two 4 x 4-vector tiles with 512-bit vectors, one 5 x 2 tile on AVX2): the products into {@code tile}
     * (this thread's {@link #transposedATile}), then added to c. Adding inside the register tile (16 more loads and
     * adds in one method) pushed C2 past its node-count cutoff in some JVM runs, and the tile's last stores were then
     * not intrinsified (every vector boxed); the add in float after the fresh fma chain gives the same bits.
     */
    private static void tileTransposedA(float[] a, int ap, int lda, float[] b, int bp, int ldb, float[] c, int cp,
            int ldc, int k, float[] tile) {
        int width = TRANSPOSED_TILE_WIDTH;
        if (EIGHT_ROW_TILES) {
            tile4x4TransposedA(a, ap, lda, b, bp, ldb, tile, 0, width, k);
            tile4x4TransposedA(a, ap + 4, lda, b, bp, ldb, tile, 4 * width, width, k);
        } else {
            tile5x2TransposedA(a, ap, lda, b, bp, ldb, tile, 0, width, k);
        }
        for (int i = 0; i < ROW_TILE; i++) {
            for (int j = 0; j < width; j++) {
                c[cp + i * ldc + j] += tile[i * width + j];
            }
        }
    }

    /**
     * The last {@code w <} {@link #TRANSPOSED_TILE_WIDTH} columns of {@link #addProductTransposedA} over m rows (a
     * multiple of the row tile), as {@link #narrowColumns}: b's columns copied into a zero-padded (k, tile width)
     * block, each row tile's c into a (rows, tile width) block, the main tile run on them and the w columns copied
     * back (a LoRA rank of 8, or the last 32 of 480 columns, as the column count). The padding costs up to the tile
     * width in wasted columns; a narrower tile for the remainder would run too rarely to be sure of a C2 compilation.
     */
    private void narrowColumnsTransposedA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
            int cOff, int ldc, int m, int k, int w) {
        int tileRows = rowTile();
        int width = TRANSPOSED_TILE_WIDTH;
        int cBlock = k * width;
        float[] scratch = atLeast(narrowScratch, cBlock + tileRows * width);
        Arrays.fill(scratch, 0, cBlock + tileRows * width, 0f);
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * ldb, scratch, p * width, w);
        }
        float[] tile = transposedATile.get();
        for (int i0 = 0; i0 < m; i0 += tileRows) {
            for (int i = 0; i < tileRows; i++) {
                System.arraycopy(c, cOff + (i0 + i) * ldc, scratch, cBlock + i * width, w);
            }
            tileTransposedA(a, aOff + i0, lda, scratch, 0, width, scratch, cBlock, width, k, tile);
            for (int i = 0; i < tileRows; i++) {
                System.arraycopy(scratch, cBlock + i * width, c, cOff + (i0 + i) * ldc, w);
            }
        }
    }

    /**
     * The last {@code rows} (fewer than a row tile) rows of {@link #addProductTransposedA}, as {@link #paddedLastRows}:
     * a's columns copied into a zero-padded (k, row tile) block and c's rows into a (row tile, n) block, whose product
     * runs the main tile (the LM head's 33 token rows), then c's rows copied back.
     */
    private void paddedLastRowsTransposedA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
            int cOff, int ldc, int rows, int k, int n) {
        int tileRows = rowTile();
        int cBlock = k * tileRows;
        float[] scratch = atLeast(paddedRowsScratch, cBlock + tileRows * n);
        Arrays.fill(scratch, 0, cBlock + tileRows * n, 0f);
        for (int p = 0; p < k; p++) { // a few floats per row of a: a loop, not a call to arraycopy per row
            for (int i = 0; i < rows; i++) {
                scratch[p * tileRows + i] = a[aOff + p * lda + i];
            }
        }
        for (int i = 0; i < rows; i++) {
            System.arraycopy(c, cOff + i * ldc, scratch, cBlock + i * n, n);
        }
        addProductTransposedA(scratch, 0, tileRows, b, bOff, ldb, scratch, cBlock, n, tileRows, k, n);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(scratch, cBlock + i * n, c, cOff + i * ldc, n);
        }
    }

    /**
     * 4 rows x 4 vectors of {@code c = a^T b}, a stored as (k, m): the 4 broadcasts of a step are 4 adjacent floats
     * of one row of a. Otherwise as {@link #tile4x4}, with the same fma chains.
     */
    private static void tile4x4TransposedA(float[] a, int ap, int lda, float[] b, int bp, int ldb, float[] c, int cp,
            int ldc, int k) {
        // First step peeled (class comment).
        FloatVector zero = FloatVector.zero(S);
        FloatVector first0 = FloatVector.fromArray(S, b, bp);
        FloatVector first1 = FloatVector.fromArray(S, b, bp + V);
        FloatVector first2 = FloatVector.fromArray(S, b, bp + 2 * V);
        FloatVector first3 = FloatVector.fromArray(S, b, bp + 3 * V);
        FloatVector ax = FloatVector.broadcast(S, a[ap]);
        FloatVector c00 = ax.fma(first0, zero);
        FloatVector c01 = ax.fma(first1, zero);
        FloatVector c02 = ax.fma(first2, zero);
        FloatVector c03 = ax.fma(first3, zero);
        ax = FloatVector.broadcast(S, a[ap + 1]);
        FloatVector c10 = ax.fma(first0, zero);
        FloatVector c11 = ax.fma(first1, zero);
        FloatVector c12 = ax.fma(first2, zero);
        FloatVector c13 = ax.fma(first3, zero);
        ax = FloatVector.broadcast(S, a[ap + 2]);
        FloatVector c20 = ax.fma(first0, zero);
        FloatVector c21 = ax.fma(first1, zero);
        FloatVector c22 = ax.fma(first2, zero);
        FloatVector c23 = ax.fma(first3, zero);
        ax = FloatVector.broadcast(S, a[ap + 3]);
        FloatVector c30 = ax.fma(first0, zero);
        FloatVector c31 = ax.fma(first1, zero);
        FloatVector c32 = ax.fma(first2, zero);
        FloatVector c33 = ax.fma(first3, zero);
        ap += lda;
        bp += ldb;
        for (int p = 1; p < k; p++, ap += lda, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * V);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * V);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        c00.intoArray(c, cp);
        c01.intoArray(c, cp + V);
        c02.intoArray(c, cp + 2 * V);
        c03.intoArray(c, cp + 3 * V);
        cp += ldc;
        c10.intoArray(c, cp);
        c11.intoArray(c, cp + V);
        c12.intoArray(c, cp + 2 * V);
        c13.intoArray(c, cp + 3 * V);
        cp += ldc;
        c20.intoArray(c, cp);
        c21.intoArray(c, cp + V);
        c22.intoArray(c, cp + 2 * V);
        c23.intoArray(c, cp + 3 * V);
        cp += ldc;
        c30.intoArray(c, cp);
        c31.intoArray(c, cp + V);
        c32.intoArray(c, cp + 2 * V);
        c33.intoArray(c, cp + 3 * V);
    }

    /**
     * 5 rows x 2 vectors of {@code c = a^T b}, a stored as (k, m): the 5 broadcasts of a step are 5 adjacent
     * floats of one row of a. Otherwise as {@link #tile5x2}, with the same fma chains.
     */
    private static void tile5x2TransposedA(float[] a, int ap, int lda, float[] b, int bp, int ldb, float[] c, int cp,
            int ldc, int k) {
        // First step peeled (class comment).
        FloatVector zero = FloatVector.zero(S);
        FloatVector first0 = FloatVector.fromArray(S, b, bp);
        FloatVector first1 = FloatVector.fromArray(S, b, bp + V);
        FloatVector ax = FloatVector.broadcast(S, a[ap]);
        FloatVector c00 = ax.fma(first0, zero);
        FloatVector c01 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[ap + 1]);
        FloatVector c10 = ax.fma(first0, zero);
        FloatVector c11 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[ap + 2]);
        FloatVector c20 = ax.fma(first0, zero);
        FloatVector c21 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[ap + 3]);
        FloatVector c30 = ax.fma(first0, zero);
        FloatVector c31 = ax.fma(first1, zero);
        ax = FloatVector.broadcast(S, a[ap + 4]);
        FloatVector c40 = ax.fma(first0, zero);
        FloatVector c41 = ax.fma(first1, zero);
        ap += lda;
        bp += ldb;
        for (int p = 1; p < k; p++, ap += lda, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + V);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        c00.intoArray(c, cp);
        c01.intoArray(c, cp + V);
        cp += ldc;
        c10.intoArray(c, cp);
        c11.intoArray(c, cp + V);
        cp += ldc;
        c20.intoArray(c, cp);
        c21.intoArray(c, cp + V);
        cp += ldc;
        c30.intoArray(c, cp);
        c31.intoArray(c, cp + V);
        cp += ldc;
        c40.intoArray(c, cp);
        c41.intoArray(c, cp + V);
    }
}
