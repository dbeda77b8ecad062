package org.esm2j.cpu;

import java.util.Arrays;

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
        final float[] qScaled; // (hd)
        final float[] q; // (T, hd) rotated, scaled
        final float[] qT; // (hd, T) rotated, scaled
        final float[] k; // (T, hd) rotated
        final float[] kT; // (hd, T) rotated
        final float[] v; // (T, hd)
        final float[] dOT; // (hd, T)
        final float[] pT; // (T keys, T queries)
        final float[] dPT; // (T keys, T queries), then dS^T
        final float[] dQT; // (hd, T)
        final float[] dK; // (T, hd)
        final float[] max;
        final float[] sum;
        final float[] column; // (hd)
        final float[] headGrad; // (hd)

        Scratch(int maxT, int hd) {
            this.maxT = maxT;
            int th = maxT * hd;
            int tt = maxT * maxT;
            qScaled = new float[hd];
            q = new float[th];
            qT = new float[th];
            k = new float[th];
            kT = new float[th];
            v = new float[th];
            dOT = new float[th];
            pT = new float[tt];
            dPT = new float[tt];
            dQT = new float[th];
            dK = new float[th];
            max = new float[maxT];
            sum = new float[maxT];
            column = new float[hd];
            headGrad = new float[hd];
        }
    }

    /**
     * One (sequence, head) pair. dq is formed transposed, (hd, T) = (hd, T) x (T, T), as dS^T is at hand; dk and dv as
     * (T, T) x (T, hd), with dv written straight into dQkv.
     */
    private void head(Kernels kernels, Scratch s, float[] qkv, int offset, int t, int h, Rotary rotary, float[] dOut,
            float[] dQkv) {
        int hd = headDim;
        int d3 = 3 * embedDim;
        for (int i = 0; i < t; i++) {
            int row = (offset + i) * d3 + h * hd;
            for (int d = 0; d < hd; d++) {
                s.qScaled[d] = qkv[row + d] * scaling;
            }
            rotary.rotate(s.qScaled, 0, i, s.qT, i, t);
            rotary.rotate(s.qScaled, 0, i, s.q, i * hd, 1);
            rotary.rotate(qkv, row + embedDim, i, s.k, i * hd, 1);
            rotary.rotate(qkv, row + embedDim, i, s.kT, i, t);
            System.arraycopy(qkv, row + 2 * embedDim, s.v, i * hd, hd);
            int outRow = (offset + i) * embedDim + h * hd;
            for (int d = 0; d < hd; d++) {
                s.dOT[d * t + i] = dOut[outRow + d];
            }
        }
        kernels.gemm(s.k, 0, hd, s.qT, 0, t, s.pT, 0, t, t, hd, t);
        Attention.softmaxOverKeys(kernels, s.pT, s.max, s.sum, t);
        kernels.gemm(s.v, 0, hd, s.dOT, 0, t, s.dPT, 0, t, t, hd, t);
        // colsum over keys j of P^T * dP^T, per query column i (s.sum reused as the accumulator)
        Arrays.fill(s.sum, 0, t, 0f);
        for (int j = 0; j < t; j++) {
            kernels.fmaInto(s.pT, j * t, s.dPT, j * t, s.sum, t);
        }
        for (int j = 0; j < t; j++) {
            kernels.softmaxBackward(s.pT, j * t, s.dPT, j * t, s.sum, t);
        }
        kernels.gemm(s.kT, 0, t, s.dPT, 0, t, s.dQT, 0, t, hd, t, t); // dQ^T = k^T dS^T
        kernels.gemm(s.dPT, 0, t, s.q, 0, hd, s.dK, 0, hd, t, t, hd); // dK = dS^T q
        int firstRow = offset * d3 + h * hd;
        kernels.gemm(s.pT, 0, t, dOut, offset * embedDim + h * hd, embedDim, dQkv, firstRow + 2 * embedDim, d3, t, t,
                hd); // dV = P^T dO
        for (int i = 0; i < t; i++) {
            int row = firstRow + i * d3;
            gatherColumn(s.dQT, t, i, s.column);
            rotary.rotateBack(s.column, 0, i, s.headGrad, 0);
            for (int d = 0; d < hd; d++) {
                dQkv[row + d] = s.headGrad[d] * scaling;
            }
            rotary.rotateBack(s.dK, i * hd, i, dQkv, row + embedDim);
        }
    }

    /** Column i of an (rows, t) row-major matrix, rows = out.length. */
    private static void gatherColumn(float[] m, int t, int i, float[] out) {
        for (int d = 0; d < out.length; d++) {
            out[d] = m[d * t + i];
        }
    }
}
