package org.esm2j.cuda;

import org.esm2j.model.Esm2Config;
import org.esm2j.tensor.DType;

/**
 * Where each buffer of one forward pass lives inside the {@link DeviceArena}: a {@link Region} per buffer, byte offsets
 * from the arena's base, every buffer aligned to {@link #ALIGNMENT} bytes (what cuBLASLt and vectorised kernels like
 * best). Token ids and sequence offsets are int32, the attention-map and contact offsets int64; the residual stream,
 * the logits (and the log-probabilities computed in their place) and contacts are fp32; GEMM inputs and outputs use
 * the activation dtype. Buffers a pass does not need have length 0.
 */
record ActivationLayout(Region tokens, Region cuSeqlens, Region probsOffsets, Region seqDivisors, Region residual,
        Region normed, Region qkv, Region q, Region k, Region v, Region attnOut, Region hidden, Region logits,
        Region probs, Region contactOffsets, Region contactRowSums, Region contacts, long totalBytes) {

    static final long ALIGNMENT = 256;

    /** {@code length} elements of {@code dtype} starting {@code offset} bytes into the arena. */
    record Region(long offset, DType dtype, long length) {
        long bytes() {
            return length * dtype.byteSize();
        }

        /** This region of the arena's block, as a buffer named {@code name}. */
        DeviceBuffer in(DeviceBuffer arena, String name) {
            return arena.view(offset, dtype, length, name);
        }
    }

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
        Cursor c = new Cursor();
        Region tokens = c.take(DType.I32, totalTokens);
        Region cuSeqlens = c.take(DType.I32, numSeqs + 1);
        Region probsOffsets = c.take(DType.I64, numSeqs);
        Region seqDivisors = c.take(DType.F32, numSeqs);
        Region residual = c.take(DType.F32, totalTokens * d);
        Region normed = c.take(activation, totalTokens * d);
        Region qkv = c.take(activation, totalTokens * 3 * d);
        Region q = c.take(activation, totalTokens * d);
        Region k = c.take(activation, totalTokens * d);
        Region v = c.take(activation, totalTokens * d);
        Region attnOut = c.take(activation, totalTokens * d);
        Region hidden = c.take(activation, totalTokens * Math.max(config.ffnDim(), d));
        Region logits = c.take(DType.F32, totalTokens * logitColumns);
        Region probs = c.take(DType.F32, probsPerLayer);
        boolean contacts = contactCount > 0;
        Region contactOffsets = c.take(DType.I64, contacts ? numSeqs : 0);
        Region contactRowSums = c.take(DType.F32, contacts ? config.attentionHeads() * totalTokens : 0);
        Region contactLogits = c.take(DType.F32, contactCount);
        return new ActivationLayout(tokens, cuSeqlens, probsOffsets, seqDivisors, residual, normed, qkv, q, k, v,
                attnOut, hidden, logits, probs, contactOffsets, contactRowSums, contactLogits, c.end);
    }

    static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static final class Cursor {
        long end;

        Region take(DType dtype, long length) {
            Region region = new Region(end, dtype, length);
            end = Math.addExact(end, align(Math.multiplyExact(length, dtype.byteSize())));
            return region;
        }
    }
}
