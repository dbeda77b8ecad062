package org.esm2j.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inner loops of the CPU backend, in a scalar and a Vector API flavour. Both compute every output element with
 * the same sequence of correctly rounded float operations (a fused multiply-add chain in index order, the same
 * polynomial exp), so they give bit-identical results, and an element never depends on how a matrix was tiled.
 */
interface Kernels {
    String VECTOR_PROPERTY = "esm2j.vector";

    /**
     * {@code c[i, j] = sum_p a[i, p] * b[p, j]} for {@code i < m, j < n, p < k}, row-major with leading dimensions
     * lda, ldb, ldc; each element is {@code fma} accumulated in order p = 0..k-1 starting from 0. Overwrites c.
     */
    void gemm(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, int m, int k,
            int n);

    /** Columns of b that {@link #gemm}'s widest tile covers: a weight panel of this width runs only that tile. */
    int panelWidth();

    /** Rows of a that {@link #gemm}'s main tile covers: row ranges split at multiples of it run only that tile. */
    int rowTile();

    /** {@code x[xOff + i] = gelu(x[xOff + i])} for i < n (see {@link Erf#gelu}). */
    void gelu(float[] x, int xOff, int n);

    /** {@code g[gOff + i] *= gelu'(x[xOff + i])} for i < n (see {@link Erf#geluDerivative}). */
    void geluBackward(float[] x, int xOff, float[] g, int gOff, int n);

    /**
     * Softmax down each of the n columns of the (rows, n) block at xOff with leading dimension ld, in place:
     * {@code exp(x - max) * (1 / sum)} with the max and the sum (in row order from the first row's exponential) of
     * each column kept in registers, so the block is read three times instead of once per row for each accumulator.
     */
    void softmaxColumns(float[] x, int xOff, int ld, int rows, int n);

    /**
     * Softmax backward down each of the n columns of (rows, n) blocks with leading dimension ld, in place on g:
     * {@code g = p * (g - dot)} with {@code dot = sum over rows of fma(p, g)} per column, in row order from zero.
     */
    void softmaxBackwardColumns(float[] p, float[] g, int off, int ld, int rows, int n);

    /**
     * The rotary rotation of a head held transposed, along positions: for i < n, with {@code lo = x[loOff + i]},
     * {@code hi = x[hiOff + i]}, {@code c = cos[tableOff + i]}, {@code s = sin[tableOff + i]}, writes
     * {@code x[loOff + i] = lo c + -hi s} and {@code x[hiOff + i] = hi c + lo s} (the float operations of
     * {@link Rotary#rotate}); with loOff and hiOff swapped it is {@link Rotary#rotateBack}.
     */
    void rotateHalves(float[] x, int loOff, int hiOff, float[] cos, float[] sin, int tableOff, int n);

    /**
     * {@code dst[d * dstLd + i] = src[first + i * ld + d] * factor} for i < t, d < cols: t rows of cols columns, ld
     * apart, transposed to (cols, t) with leading dimension dstLd (one head's columns of the packed projections, say).
     * A factor of 1 keeps the bits.
     */
    void gatherTransposed(float[] src, int first, int ld, int t, int cols, float factor, float[] dst, int dstLd);

    /** The inverse of {@link #gatherTransposed}: {@code dst[first + i * ld + d] = srcT[d * srcLd + i] * factor}. */
    void scatterTransposed(float[] srcT, int srcLd, int t, int cols, float factor, float[] dst, int first, int ld);

    /**
     * {@code c += a^T b} with a stored as (k, m): {@code c[i, j] += sum_p a[aOff + p * lda + i] * b[p, j]}, b and c as
     * in {@link #gemm}. Each sum is the in-order fma chain from 0 that {@link #gemm} gives on a transposed copy of a,
     * added to c in one float add, so the result is bit for bit a transpose, a gemm into a temporary and an add: the
     * weight gradients {@code dW += dy^T x} of training without a transposed dy or a separate dW buffer.
     */
    void addProductTransposedA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int m, int k, int n);

    /** The kernels chosen for this JVM: the Vector API when its module is present and not disabled, else scalar. */
    static Kernels preferred() {
        return Selection.PREFERRED;
    }

    /** Chooses once per JVM and logs the choice. */
    final class Selection {
        private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
        static final Kernels PREFERRED = choose();

        private Selection() {
        }

        private static Kernels choose() {
            boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
            boolean disabled = "false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY));
            if (present && !disabled) {
                Kernels k = VectorKernels.create();
                LOG.info("esm2j cpu kernels: Vector API ({})", ((VectorKernels) k).describe());
                return k;
            }
            if (disabled) {
                LOG.info("esm2j cpu kernels: scalar (Vector API disabled by -D{}=false)", VECTOR_PROPERTY);
            } else {
                LOG.info("esm2j cpu kernels: scalar; add the JVM option --add-modules jdk.incubator.vector for the "
                        + "much faster Vector API kernels");
            }
            return ScalarKernels.INSTANCE;
        }
    }
}
