package org.esm2j.cpu;

import java.util.Arrays;

/**
 * Multi-head self-attention of one layer over a packed batch, one (sequence, head) pair at a time, each on its own
 * rows only (no padding, no mask). Scores are kept transposed, {@code S^T[j, i] = k_j . q_i} (keys by queries), so that
 * the softmax over keys, the score GEMM and the probability-times-values GEMM all vectorise along the query axis with
 * no horizontal sums: every element is an in-order chain and does not depend on the batch.
 */
final class Attention {
    /** ESM-2's longest input, 1024 residues plus {@code <cls>} and {@code <eos>}. */
    private static final int RETAINED_TOKENS = 1026;
    private final int heads;
    private final int headDim;
    private final int embedDim;
    private final float scaling;
    private final ThreadLocal<Scratch> scratch = new ThreadLocal<>();

    Attention(int heads, int headDim) {
        this.heads = heads;
        this.headDim = headDim;
        this.embedDim = heads * headDim;
        // fair-esm: q = q_proj(x) * head_dim ** -0.5, a float32 tensor times a Python float.
        this.scaling = (float) Math.pow(headDim, -0.5);
    }

    /**
     * @param qkv (N, 3D) projections of the packed batch: q in columns [0, D), k in [D, 2D), v in [2D, 3D)
     * @param offsets first row of each sequence; sequence b has {@code lengths[b]} rows
     * @param out (N, D) attention output before out_proj, head h in columns [h hd, (h+1) hd)
     * @param probs per sequence (L, H, T_b, T_b) probabilities [query][key] to fill for this layer, or null
     */
    void forward(float[] qkv, int[] offsets, int[] lengths, Rotary rotary, float[] out, float[][] probs, int layer) {
        Kernels kernels = Kernels.preferred();
        int pairs = lengths.length * heads;
        Parallel.forRange(pairs, (p0, p1) -> {
            int maxT = 0;
            for (int p = p0; p < p1; p++) {
                maxT = Math.max(maxT, lengths[p / heads]);
            }
            Scratch s = scratch(maxT);
            for (int p = p0; p < p1; p++) {
                int b = p / heads;
                int h = p % heads;
                float[] probsOut = probs == null ? null : probs[b];
                head(kernels, s, qkv, offsets[b], lengths[b], h, rotary, out, probsOut, layer);
            }
        });
    }

    /**
     * This thread's buffers when they hold maxT tokens, else new ones; kept for the next call up to
     * {@link #RETAINED_TOKENS} tokens (a few MB per thread), so that a forward pass allocates none in steady state.
     */
    private Scratch scratch(int maxT) {
        Scratch s = scratch.get();
        if (s != null && s.maxT >= maxT) {
            return s;
        }
        s = new Scratch(maxT, headDim);
        if (maxT <= RETAINED_TOKENS) {
            scratch.set(s);
        }
        return s;
    }

    /** Buffers for one head of one sequence of up to maxT tokens; reused across the pairs of a work range. */
    private static final class Scratch {
        final int maxT;
        final float[] qScaled;
        final float[] qT; // (hd, T)
        final float[] k; // (T, hd)
        final float[] vT; // (hd, T)
        final float[] sT; // (T keys, T queries)
        final float[] oT; // (hd, T)
        final float[] max;
        final float[] sum;

        Scratch(int maxT, int hd) {
            this.maxT = maxT;
            qScaled = new float[hd];
            qT = new float[hd * maxT];
            k = new float[maxT * hd];
            vT = new float[hd * maxT];
            sT = new float[maxT * maxT];
            oT = new float[hd * maxT];
            max = new float[maxT];
            sum = new float[maxT];
        }
    }

    private void head(Kernels kernels, Scratch s, float[] qkv, int offset, int t, int h, Rotary rotary, float[] out,
            float[] probs, int layer) {
        int hd = headDim;
        int d3 = 3 * embedDim;
        for (int i = 0; i < t; i++) {
            int row = (offset + i) * d3 + h * hd;
            for (int d = 0; d < hd; d++) {
                s.qScaled[d] = qkv[row + d] * scaling;
            }
            rotary.rotate(s.qScaled, 0, i, s.qT, i, t);
            rotary.rotate(qkv, row + embedDim, i, s.k, i * hd, 1);
            int v = row + 2 * embedDim;
            for (int d = 0; d < hd; d++) {
                s.vT[d * t + i] = qkv[v + d];
            }
        }
        kernels.gemm(s.k, 0, hd, s.qT, 0, t, s.sT, 0, t, t, hd, t);
        softmaxOverKeys(kernels, s.sT, s.max, s.sum, t);
        if (probs != null) {
            int base = (layer * heads + h) * t * t;
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    probs[base + i * t + j] = s.sT[j * t + i];
                }
            }
        }
        kernels.gemm(s.vT, 0, t, s.sT, 0, t, s.oT, 0, t, hd, t, t);
        for (int i = 0; i < t; i++) {
            int row = (offset + i) * embedDim + h * hd;
            for (int d = 0; d < hd; d++) {
                out[row + d] = s.oT[d * t + i];
            }
        }
    }

    /**
     * Softmax down each column of the (t, t) matrix sT: exp(s - max) / sum, in float32 like fair-esm's
     * softmax(dtype=float32); max and sum are scratch of at least t floats. Attention's backward pass recomputes the
     * probabilities with it, so they are the forward pass's bits.
     */
    static void softmaxOverKeys(Kernels kernels, float[] sT, float[] max, float[] sum, int t) {
        Arrays.fill(max, 0, t, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, t, 0f);
        for (int j = 0; j < t; j++) {
            kernels.maxInto(sT, j * t, max, t);
        }
        for (int j = 0; j < t; j++) {
            kernels.expShiftedAccumulate(sT, j * t, max, sum, t);
        }
        for (int i = 0; i < t; i++) {
            sum[i] = 1f / sum[i];
        }
        for (int j = 0; j < t; j++) {
            kernels.multiplyInto(sT, j * t, sum, t);
        }
    }
}
