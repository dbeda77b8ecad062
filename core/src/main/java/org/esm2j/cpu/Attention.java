package org.esm2j.cpu;

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
        // (hd, T) and (T, T) matrices have the leading dimension rowStride(T)
        final float[] qT; // (hd, T)
        final float[] kT; // (hd, T)
        final float[] k; // (T, hd)
        final float[] vT; // (hd, T)
        final float[] sT; // (T keys, T queries)
        final float[] oT; // (hd, T)

        Scratch(int maxT, int hd) {
            this.maxT = maxT;
            int ld = rowStride(maxT);
            qT = new float[hd * ld];
            kT = new float[hd * ld];
            k = new float[maxT * hd];
            vT = new float[hd * ld];
            sT = new float[maxT * ld];
            oT = new float[hd * ld];
        }
    }

    private void head(Kernels kernels, Scratch s, float[] qkv, int offset, int t, int h, Rotary rotary, float[] out,
            float[] probs, int layer) {
        int hd = headDim;
        int d3 = 3 * embedDim;
        int first = offset * d3 + h * hd;
        int ld = rowStride(t);
        kernels.gatherTransposed(qkv, first, d3, t, hd, scaling, s.qT, ld);
        rotary.rotateTransposed(kernels, s.qT, ld, t);
        kernels.gatherTransposed(qkv, first + embedDim, d3, t, hd, 1f, s.kT, ld);
        rotary.rotateTransposed(kernels, s.kT, ld, t);
        kernels.gatherTransposed(s.kT, 0, ld, hd, t, 1f, s.k, hd); // k = (k^T)^T
        kernels.gatherTransposed(qkv, first + 2 * embedDim, d3, t, hd, 1f, s.vT, ld);
        kernels.gemm(s.k, 0, hd, s.qT, 0, ld, s.sT, 0, ld, t, hd, t);
        softmaxOverKeys(kernels, s.sT, ld, t);
        if (probs != null) {
            int base = (layer * heads + h) * t * t;
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    probs[base + i * t + j] = s.sT[j * ld + i];
                }
            }
        }
        kernels.gemm(s.vT, 0, ld, s.sT, 0, ld, s.oT, 0, ld, hd, t, t);
        kernels.scatterTransposed(s.oT, ld, t, hd, 1f, out, offset * embedDim + h * hd, embedDim);
    }

    /**
     * The leading dimension of the matrices with t columns (the (t, t) scores, the (hd, t) transposed heads): t
     * rounded up to whole 64-byte lines, an odd number of them, so that a column block walked row by row spreads
     * over all cache sets. With t = 128 (a stride of 512 bytes) it would fall into an eighth of them and miss L1 on
     * every pass of the column softmax, and the rotary's rows d and d + hd/2 would alias at 4 KB.
     */
    static int rowStride(int t) {
        int lines = (t + 15) / 16;
        return 16 * (lines % 2 == 0 ? lines + 1 : lines);
    }

    /**
     * Softmax down each column of the (t, t) matrix sT with leading dimension ld: exp(s - max) / sum, in float32
     * like fair-esm's softmax(dtype=float32). Attention's backward pass recomputes the probabilities with it, so they
     * are the forward pass's bits.
     */
    static void softmaxOverKeys(Kernels kernels, float[] sT, int ld, int t) {
        kernels.softmaxColumns(sT, 0, ld, t, t);
    }
}
