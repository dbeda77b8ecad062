package org.esm2j.cuda;

import java.util.Arrays;
import java.util.List;
import org.esm2j.backend.ForwardInputs;
import org.esm2j.model.Esm2Config;

/**
 * A batch of token sequences packed into one token stream without padding, as the kernels take it: sequence s owns
 * tokens {@code cuSeqlens[s] .. cuSeqlens[s+1]}. When attention probabilities are kept, sequence s's (H, T_s, T_s)
 * block of one layer starts at element {@code probsOffsets[s]} of that layer's buffer; when contacts are computed on
 * the device, sequence s's (T_s - 2, T_s - 2) block starts at element {@code contactOffsets[s]} of the contact buffer.
 */
final class PackedBatch {
    private final int[] tokens;
    private final int[] lengths;
    private final int[] cuSeqlens;
    private final long[] probsOffsets;
    private final long probsPerLayer;
    private final long[] contactOffsets;
    private final long contactCount;
    private final int maxSeqlen;

    private PackedBatch(int[] tokens, int[] lengths, int[] cuSeqlens, long[] probsOffsets, long probsPerLayer,
            long[] contactOffsets, long contactCount, int maxSeqlen) {
        this.tokens = tokens;
        this.lengths = lengths;
        this.cuSeqlens = cuSeqlens;
        this.probsOffsets = probsOffsets;
        this.probsPerLayer = probsPerLayer;
        this.contactOffsets = contactOffsets;
        this.contactCount = contactCount;
        this.maxSeqlen = maxSeqlen;
    }

    /**
     * Validates and packs {@code sequences} (each framed {@code <cls> ... <eos>}, unpadded) with the checks of the CPU
     * backend: no empty sequence, ids inside the vocabulary, no {@code <pad>}, at least 2 tokens when contacts are
     * wanted.
     */
    static PackedBatch pack(List<int[]> sequences, Esm2Config config, boolean contacts) {
        int batch = sequences.size();
        if (batch == 0) {
            throw new IllegalArgumentException("the batch has no sequences");
        }
        int[] lengths = new int[batch];
        int[] cuSeqlens = new int[batch + 1];
        long[] probsOffsets = new long[batch];
        long[] contactOffsets = new long[batch];
        long heads = config.attentionHeads();
        long probs = 0;
        long contactCount = 0;
        int total = 0;
        int maxT = 0;
        for (int b = 0; b < batch; b++) {
            int[] seq = sequences.get(b);
            ForwardInputs.checkSequence(seq, b, config, contacts);
            lengths[b] = seq.length;
            cuSeqlens[b] = total;
            probsOffsets[b] = probs;
            probs = Math.addExact(probs, heads * seq.length * seq.length);
            contactOffsets[b] = contactCount;
            long residues = Math.max(seq.length - 2, 0);
            contactCount = Math.addExact(contactCount, residues * residues);
            total = Math.addExact(total, seq.length);
            maxT = Math.max(maxT, seq.length);
        }
        cuSeqlens[batch] = total;
        int[] tokens = new int[total];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(sequences.get(b), 0, tokens, cuSeqlens[b], lengths[b]);
        }
        return new PackedBatch(tokens, lengths, cuSeqlens, probsOffsets, probs, contactOffsets, contactCount, maxT);
    }

    int numSeqs() {
        return lengths.length;
    }

    int totalTokens() {
        return tokens.length;
    }

    int maxSeqlen() {
        return maxSeqlen;
    }

    int length(int b) {
        return lengths[b];
    }

    int offset(int b) {
        return cuSeqlens[b];
    }

    int[] lengths() {
        return lengths.clone();
    }

    /** All tokens, sequence after sequence. */
    int[] tokens() {
        return tokens.clone();
    }

    /** numSeqs + 1 entries, starting at 0 and ending at totalTokens. */
    int[] cuSeqlens() {
        return cuSeqlens.clone();
    }

    /** Element offset of each sequence's (H, T, T) block within one layer's probability buffer. */
    long[] probsOffsets() {
        return probsOffsets.clone();
    }

    /** Elements of one layer's probabilities for the whole batch: H * sum of T_s^2. */
    long probsPerLayer() {
        return probsPerLayer;
    }

    /** Element offset of each sequence's (T_s - 2, T_s - 2) contact block; sequences under 2 tokens own none. */
    long[] contactOffsets() {
        return contactOffsets.clone();
    }

    /** Contact values of the whole batch: sum of (T_s - 2)^2. */
    long contactCount() {
        return contactCount;
    }

    /** Splits the packed contact buffer (contactCount values) into each sequence's (T_s - 2, T_s - 2) array. */
    float[][] splitContacts(float[] packed) {
        float[][] out = new float[numSeqs()][];
        for (int b = 0; b < numSeqs(); b++) {
            int residues = Math.max(lengths[b] - 2, 0);
            int start = Math.toIntExact(contactOffsets[b]);
            out[b] = Arrays.copyOfRange(packed, start, start + residues * residues);
        }
        return out;
    }

    /**
     * Splits a packed (totalTokens, rowStride) host buffer into per-sequence (T_s, width) arrays, dropping the
     * columns beyond {@code width} (padding of the row stride).
     */
    float[][] split(float[] packed, int rowStride, int width) {
        float[][] out = new float[numSeqs()][];
        for (int b = 0; b < numSeqs(); b++) {
            float[] seq = new float[lengths[b] * width];
            for (int r = 0; r < lengths[b]; r++) {
                System.arraycopy(packed, (cuSeqlens[b] + r) * rowStride, seq, r * width, width);
            }
            out[b] = seq;
        }
        return out;
    }
}
