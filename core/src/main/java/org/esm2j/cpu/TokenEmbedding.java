package org.esm2j.cpu;

import java.util.Arrays;
import java.util.List;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;

/**
 * ESM-2's input embedding with fair-esm's token dropout: {@code <mask>} rows are zeroed and every row of a sequence is
 * scaled by {@code (1 - 0.15 * 0.8) / (1 - observed mask ratio)}, both in float32 as PyTorch computes them. The
 * inference runtime and the trainer share it; the backward pass treats the per-sequence factor as the constant it is.
 */
final class TokenEmbedding {
    private TokenEmbedding() {
    }

    /** 1 - (masks / length) in float32, as PyTorch's {@code 1 - count.float() / src_lengths}. */
    private static float denominator(int[] seq) {
        int masks = 0;
        for (int id : seq) {
            if (id == Alphabet.MASK) {
                masks++;
            }
        }
        return 1f - (float) masks / (float) seq.length;
    }

    /** Writes the (N, D) embeddings of the packed sequences into x from the (V, D) table at {@code tableOff}. */
    static void forward(float[] table, int tableOff, int d, boolean tokenDropout, List<int[]> tokens, int[] offsets,
            float[] x) {
        for (int b = 0; b < tokens.size(); b++) {
            int[] seq = tokens.get(b);
            float denominator = tokenDropout ? denominator(seq) : 1f;
            for (int p = 0; p < seq.length; p++) {
                int row = (offsets[b] + p) * d;
                if (tokenDropout && seq[p] == Alphabet.MASK) {
                    Arrays.fill(x, row, row + d, 0f);
                    continue;
                }
                int src = tableOff + seq[p] * d;
                for (int i = 0; i < d; i++) {
                    float e = table[src + i];
                    x[row + i] = tokenDropout ? e * Esm2Config.TOKEN_DROPOUT_KEEP / denominator : e;
                }
            }
        }
    }

    /**
     * Adds the table gradient of {@link #forward} into {@code grads[tableOff ..]}: each token's row gets its
     * position's gradient times the sequence's factor. Split over columns, so every element sums in token order.
     */
    static void backward(float[] dx, int d, boolean tokenDropout, List<int[]> tokens, int[] offsets, float[] grads,
            int tableOff) {
        float[] factors = new float[tokens.size()];
        for (int b = 0; b < factors.length; b++) {
            factors[b] = tokenDropout ? Esm2Config.TOKEN_DROPOUT_KEEP / denominator(tokens.get(b)) : 1f;
        }
        Parallel.forRange(d, (c0, c1) -> {
            for (int b = 0; b < factors.length; b++) {
                int[] seq = tokens.get(b);
                for (int p = 0; p < seq.length; p++) {
                    if (tokenDropout && seq[p] == Alphabet.MASK) {
                        continue;
                    }
                    int row = (offsets[b] + p) * d;
                    int dst = tableOff + seq[p] * d;
                    for (int c = c0; c < c1; c++) {
                        grads[dst + c] += dx[row + c] * factors[b];
                    }
                }
            }
        });
    }
}
