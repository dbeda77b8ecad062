package org.esm2j.cpu;

/**
 * The backward pass of {@link Attention} over a packed batch, one (sequence, head) pair at a time on that sequence's
 * rows only. Probabilities are not stored by the forward pass: each pair recomputes its scores and softmax from q and k
 * with the forward pass's own kernels (the same bits), then, in the transposed layout of the forward pass
 * ({@code P^T[j, i]}, keys by queries):
 * {@code dP^T = V dO^T}, {@code dS^T = P^T * (dP^T - colsum(P^T * dP^T))}, {@code dV = P^T dO},
 * {@code dq_rot^T = k_rot^T dS^T}, {@code dk_rot = dS^T q_rot}; q and k gradients are rotated back and q's is scaled
 * like q. Every product reads P^T and dS^T as they are, so no (T, T) matrix is transposed (two such transposes took
 * a third of this pass at T = 128).
 */
final class AttentionBackward {
    private final int heads;
    private final int headDim;
    private final int embedDim;
    private final float scaling;
    private final ThreadLocal<Scratch> scratch = new ThreadLocal<>();

    AttentionBackward(int heads, int headDim) {
        this.heads = heads;
        this.headDim = headDim;
        this.embedDim = heads * headDim;
        this.scaling = (float) Math.pow(headDim, -0.5);
    }

    /**
     * @param qkv (N, 3D) projections of the forward pass
     * @param dOut (N, D) gradient of the attention output (before out_proj)
     * @param dQkv (N, 3D) overwritten with the gradient of the projections
     */
    void backward(float[] qkv, int[] offsets, int[] lengths, Rotary rotary, float[] dOut, float[] dQkv) {
        Kernels kernels = Kernels.preferred();
        Parallel.forRange(lengths.length * heads, (p0, p1) -> {
            int maxT = 0;
            for (int p = p0; p < p1; p++) {
                maxT = Math.max(maxT, lengths[p / heads]);
            }
            Scratch s = scratch(maxT);
            for (int p = p0; p < p1; p++) {
                head(kernels, s, qkv, offsets[p / heads], lengths[p / heads], p % heads, rotary, dOut, dQkv);
            }
        });
    }

    /** This thread's buffers when they hold maxT tokens, else larger ones kept for the next call. */
    private Scratch scratch(int maxT) {
        Scratch s = scratch.get();
        if (s == null || s.maxT < maxT) {
            s = new Scratch(maxT, headDim);
            scratch.set(s);
        }
        return s;
    }

    private static final class Scratch {
        final int maxT;
        // (hd, T) and (T, T) matrices have the leading dimension Attention.rowStride(T)
        final float[] q; // (T, hd) rotated, scaled
        final float[] qT; // (hd, T) rotated, scaled
        final float[] k; // (T, hd) rotated
        final float[] kT; // (hd, T) rotated
        final float[] dOT; // (hd, T)
        final float[] pT; // (T keys, T queries)
        final float[] dPT; // (T keys, T queries), then dS^T
        final float[] dQT; // (hd, T)
        final float[] dK; // (T, hd)

        Scratch(int maxT, int hd) {
            this.maxT = maxT;
            int ld = Attention.rowStride(maxT);
            int th = maxT * hd;
            q = new float[th];
            qT = new float[hd * ld];
            k = new float[th];
            kT = new float[hd * ld];
            dOT = new float[hd * ld];
            pT = new float[maxT * ld];
            dPT = new float[maxT * ld];
            dQT = new float[hd * ld];
            dK = new float[th];
        }
    }

    /**
     * One (sequence, head) pair. q and k are rotated transposed (along positions, as vectors) and transposed back for
     * the products that take them by rows; v is read in place. dq is formed transposed, (hd, T) = (hd, T) x (T, T),
     * as dS^T is at hand, and rotated back the same way; dk and dv as (T, T) x (T, hd), with dv written straight into
     * dQkv.
     */
    private void head(Kernels kernels, Scratch s, float[] qkv, int offset, int t, int h, Rotary rotary, float[] dOut,
            float[] dQkv) {
        int hd = headDim;
        int d3 = 3 * embedDim;
        int first = offset * d3 + h * hd;
        int outFirst = offset * embedDim + h * hd;
        int ld = Attention.rowStride(t);
        kernels.gatherTransposed(qkv, first, d3, t, hd, scaling, s.qT, ld);
        rotary.rotateTransposed(kernels, s.qT, ld, t);
        kernels.gatherTransposed(s.qT, 0, ld, hd, t, 1f, s.q, hd); // q = (q^T)^T
        kernels.gatherTransposed(qkv, first + embedDim, d3, t, hd, 1f, s.kT, ld);
        rotary.rotateTransposed(kernels, s.kT, ld, t);
        kernels.gatherTransposed(s.kT, 0, ld, hd, t, 1f, s.k, hd); // k = (k^T)^T
        kernels.gatherTransposed(dOut, outFirst, embedDim, t, hd, 1f, s.dOT, ld);
        kernels.gemm(s.k, 0, hd, s.qT, 0, ld, s.pT, 0, ld, t, hd, t);
        Attention.softmaxOverKeys(kernels, s.pT, ld, t);
        kernels.gemm(qkv, first + 2 * embedDim, d3, s.dOT, 0, ld, s.dPT, 0, ld, t, hd, t); // dP^T = V dO^T
        kernels.softmaxBackwardColumns(s.pT, s.dPT, 0, ld, t, t);
        kernels.gemm(s.kT, 0, ld, s.dPT, 0, ld, s.dQT, 0, ld, hd, t, t); // dQ^T = k^T dS^T
        kernels.gemm(s.dPT, 0, ld, s.q, 0, hd, s.dK, 0, hd, t, t, hd); // dK = dS^T q
        kernels.gemm(s.pT, 0, ld, dOut, outFirst, embedDim, dQkv, first + 2 * embedDim, d3, t, t, hd); // dV = P^T dO
        rotary.rotateBackTransposed(kernels, s.dQT, ld, t);
        kernels.scatterTransposed(s.dQT, ld, t, hd, scaling, dQkv, first, d3);
        for (int i = 0; i < t; i++) {
            rotary.rotateBack(s.dK, i * hd, i, dQkv, first + i * d3 + embedDim);
        }
    }
}
