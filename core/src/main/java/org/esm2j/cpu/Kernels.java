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

    /** {@code acc[i] = max(acc[i], x[xOff + i])} for i < n. */
    void maxInto(float[] x, int xOff, float[] acc, int n);

    /** {@code x[xOff + i] = exp(x[xOff + i] - shift[i]); sum[i] += x[xOff + i]} for i < n (see {@link FastExp}). */
    void expShiftedAccumulate(float[] x, int xOff, float[] shift, float[] sum, int n);

    /** {@code x[xOff + i] *= scale[i]} for i < n. */
    void multiplyInto(float[] x, int xOff, float[] scale, int n);

    /**
     * One LayerNorm row in float: {@code y[yOff + i] = ((x[xOff + i] - meanHi) - meanLo) * rstd * gain[gOff + i]
     * + bias[bOff + i]} for i < n, the mean given as two floats (hi + lo) so that a large offset common to the row
     * cancels exactly in the first subtraction. x and y may be the same array.
     */
    void normalizeRow(float[] x, int xOff, float[] y, int yOff, float meanHi, float meanLo, float rstd, float[] gain,
            int gOff, float[] bias, int bOff, int n);

    /** {@code x[xOff + i] = gelu(x[xOff + i])} for i < n (see {@link Erf#gelu}). */
    void gelu(float[] x, int xOff, int n);

    /** {@code g[gOff + i] *= gelu'(x[xOff + i])} for i < n (see {@link Erf#geluDerivative}). */
    void geluBackward(float[] x, int xOff, float[] g, int gOff, int n);

    /** {@code acc[i] = fma(x[xOff + i], y[yOff + i], acc[i])} for i < n. */
    void fmaInto(float[] x, int xOff, float[] y, int yOff, float[] acc, int n);

    /**
     * Softmax backward along a column block: {@code g[gOff + i] = p[pOff + i] * (g[gOff + i] - dot[i])} for i < n,
     * where dot[i] is the sum over the softmax axis of p times the incoming gradient.
     */
    void softmaxBackward(float[] p, int pOff, float[] g, int gOff, float[] dot, int n);

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
