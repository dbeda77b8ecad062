package org.esm2j.cuda;

import org.esm2j.model.Esm2Config;
import org.esm2j.tensor.DType;

/**
 * Where each buffer of one forward pass lives inside the {@link DeviceArena}, as byte offsets from its base, every
 * buffer aligned to {@link #ALIGNMENT} bytes (what cuBLASLt and vectorised kernels like best). The residual stream,
 * the logits (and the log-probabilities computed in their place) and contacts are fp32; GEMM inputs and outputs use
 * the activation dtype. Buffers a pass does not need have size 0.
 */
record ActivationLayout(long tokens, long cuSeqlens, long probsOffsets, long seqDivisors, long residual, long normed,
        long qkv, long q, long k, long v, long attnOut, long hidden, long logits, long probs, long contactOffsets,
        long contactRowSums, long contacts, long totalBytes) {

    static final long ALIGNMENT = 256;

    /**
     * @param totalTokens tokens of the packed batch
     * @param numSeqs sequences in it
     * @param probsPerLayer fp32 elements of one layer's attention probabilities, 0 when none are kept
     * @param logitColumns the row stride of the logits (the vocabulary padded for aligned rows)
     * @param contactCount fp32 contact logits of the whole batch (sum of (T_s - 2)^2), 0 when contacts are not
     *     computed; the contact offsets (int64, numSeqs) and the head's row-sum workspace (fp32, heads x totalTokens)
     *     come with them
     */
    static ActivationLayout of(Esm2Config config, DType activation, long totalTokens, long numSeqs,
            long probsPerLayer, long logitColumns, long contactCount) {
        long d = config.embedDim();
        long width = activation.byteSize();
        Cursor c = new Cursor();
        long tokens = c.take(totalTokens * Integer.BYTES);
        long cuSeqlens = c.take((numSeqs + 1) * Integer.BYTES);
        long probsOffsets = c.take(numSeqs * Long.BYTES);
        long seqDivisors = c.take(numSeqs * Float.BYTES);
        long residual = c.take(totalTokens * d * Float.BYTES);
        long normed = c.take(totalTokens * d * width);
        long qkv = c.take(totalTokens * 3 * d * width);
        long q = c.take(totalTokens * d * width);
        long k = c.take(totalTokens * d * width);
        long v = c.take(totalTokens * d * width);
        long attnOut = c.take(totalTokens * d * width);
        long hidden = c.take(totalTokens * Math.max(config.ffnDim(), d) * width);
        long logits = c.take(totalTokens * logitColumns * Float.BYTES);
        long probs = c.take(probsPerLayer * Float.BYTES);
        boolean contacts = contactCount > 0;
        long contactOffsets = c.take(contacts ? numSeqs * Long.BYTES : 0);
        long contactRowSums = c.take(contacts ? config.attentionHeads() * totalTokens * Float.BYTES : 0);
        long contactLogits = c.take(contactCount * Float.BYTES);
        return new ActivationLayout(tokens, cuSeqlens, probsOffsets, seqDivisors, residual, normed, qkv, q, k, v,
                attnOut, hidden, logits, probs, contactOffsets, contactRowSums, contactLogits, c.end);
    }

    static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static final class Cursor {
        long end;

        long take(long bytes) {
            long start = end;
            end = Math.addExact(start, align(bytes));
            return start;
        }
    }
}
