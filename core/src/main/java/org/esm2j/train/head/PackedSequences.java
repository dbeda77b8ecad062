package org.esm2j.train.head;

import org.esm2j.data.Alphabet;

/**
 * Where each sequence's rows lie in a packed representation (all sequences' tokens as rows of one (N, D) matrix, no
 * padding), and which rows are residues. Sequence {@code b} owns rows {@code [offsets[b], offsets[b + 1])}, framed
 * {@code <cls> residues <eos>}; the residues are the rows whose token is none of cls, eos and pad.
 */
public final class PackedSequences {
    private final int[] tokens;
    private final int[] offsets;

    /**
     * @param tokens token id of every row, N in all
     * @param offsets B + 1 row offsets: 0, then the running sum of the sequence lengths (cu_seqlens)
     */
    public PackedSequences(int[] tokens, int[] offsets) {
        if (offsets.length < 2 || offsets[0] != 0 || offsets[offsets.length - 1] != tokens.length) {
            throw new IllegalArgumentException("offsets must start at 0 and end at the number of rows " + tokens.length
                    + " with at least one sequence");
        }
        for (int b = 0; b + 1 < offsets.length; b++) {
            if (offsets[b + 1] <= offsets[b]) {
                throw new IllegalArgumentException("sequence " + b + " is empty or offsets decrease at " + b);
            }
        }
        this.tokens = tokens.clone();
        this.offsets = offsets.clone();
    }

    /** Packs framed sequences ({@code <cls> ... <eos>} each) one after another. */
    public static PackedSequences of(int[]... framed) {
        int[] offsets = new int[framed.length + 1];
        for (int b = 0; b < framed.length; b++) {
            offsets[b + 1] = Math.addExact(offsets[b], framed[b].length);
        }
        int[] tokens = new int[offsets[framed.length]];
        for (int b = 0; b < framed.length; b++) {
            System.arraycopy(framed[b], 0, tokens, offsets[b], framed[b].length);
        }
        return new PackedSequences(tokens, offsets);
    }

    public int sequences() {
        return offsets.length - 1;
    }

    /** Total rows N. */
    public int rows() {
        return tokens.length;
    }

    public int start(int sequence) {
        return offsets[sequence];
    }

    public int end(int sequence) {
        return offsets[sequence + 1];
    }

    public int token(int row) {
        return tokens[row];
    }

    /** True for rows that hold a residue (or a residue-position token such as {@code <mask>} or {@code <unk>}). */
    public boolean isResidue(int row) {
        int t = tokens[row];
        return t != Alphabet.CLS && t != Alphabet.EOS && t != Alphabet.PAD;
    }

    /** Number of residue rows of a sequence; pooling over residues needs at least one. */
    public int residueCount(int sequence) {
        int n = 0;
        for (int r = start(sequence); r < end(sequence); r++) {
            if (isResidue(r)) {
                n++;
            }
        }
        return n;
    }
}
