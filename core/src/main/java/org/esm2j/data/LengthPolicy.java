package org.esm2j.data;

import java.util.Arrays;
import org.esm2j.InvalidInputException;

/**
 * What to do with sequences longer than ESM-2's training crop: 1022 residues, i.e. 1024 tokens with {@code <cls>} and
 * {@code <eos>}. ESM-2 itself has no hard limit (rotary positions), but quality degrades beyond it and attention memory
 * grows quadratically (docs/MODEL_REFERENCE.md sections 1.3, 7, 8.1).
 *
 * @param mode {@link Mode#ERROR}, {@link Mode#TRUNCATE} or {@link Mode#WINDOW}
 * @param maxResidues the limit (ERROR), the residues kept (TRUNCATE), or the window size (WINDOW); at least 1
 * @param overlap residues shared by consecutive windows (WINDOW only, 0 otherwise), below {@code maxResidues}
 */
public record LengthPolicy(Mode mode, int maxResidues, int overlap) {
    /** fair-esm's {@code truncation_seq_length} default: 1022 residues + cls + eos = 1024 tokens. */
    public static final int DEFAULT_MAX_RESIDUES = 1022;

    public enum Mode {
        /** Reject sequences longer than {@code maxResidues}. */
        ERROR,
        /**
         * Keep the first {@code maxResidues} residues, as fair-esm's BatchConverter does: residue tokens are cut before
         * cls/eos are added, so outputs cover only the kept residues.
         */
        TRUNCATE,
        /** Cut long sequences into overlapping windows and average the outputs ({@link SequenceWindows}). */
        WINDOW
    }

    public LengthPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("length policy mode must be given");
        }
        if (maxResidues < 1) {
            throw new InvalidInputException("maximum residues must be at least 1, got " + maxResidues);
        }
        if (mode != Mode.WINDOW && overlap != 0) {
            throw new InvalidInputException("overlap applies only to windows, got overlap " + overlap + " with "
                    + mode);
        }
        if (overlap < 0 || overlap >= maxResidues) {
            throw new InvalidInputException("window overlap must be between 0 and window size - 1 = "
                    + (maxResidues - 1) + ", got " + overlap);
        }
    }

    /** Rejects sequences longer than 1022 residues. */
    public static LengthPolicy defaults() {
        return error(DEFAULT_MAX_RESIDUES);
    }

    public static LengthPolicy error(int maxResidues) {
        return new LengthPolicy(Mode.ERROR, maxResidues, 0);
    }

    public static LengthPolicy truncate(int maxResidues) {
        return new LengthPolicy(Mode.TRUNCATE, maxResidues, 0);
    }

    public static LengthPolicy window(int size, int overlap) {
        return new LengthPolicy(Mode.WINDOW, size, overlap);
    }

    /**
     * Applies the policy to one record's residue tokens (no cls/eos): the windows to run through the model, a single
     * window unless the mode is WINDOW and the sequence is longer than the window size. With TRUNCATE the result
     * covers only the kept residues ({@link SequenceWindows#length()} tells how many).
     *
     * @throws InvalidInputException for an empty sequence, or in ERROR mode for one over the limit, naming the record,
     *     its length and the limit
     */
    public SequenceWindows apply(String recordId, int[] residueTokens) {
        int n = residueTokens.length;
        if (n == 0) {
            throw new InvalidInputException("record '" + recordId + "' has no residues");
        }
        switch (mode) {
            case TRUNCATE:
                int[] kept = n > maxResidues ? Arrays.copyOf(residueTokens, maxResidues) : residueTokens;
                return SequenceWindows.of(kept, kept.length, 0);
            case WINDOW:
                return SequenceWindows.of(residueTokens, maxResidues, overlap);
            case ERROR:
            default:
                if (n > maxResidues) {
                    throw new InvalidInputException("record '" + recordId + "' has " + n + " residues, more than the"
                            + " limit of " + maxResidues + " (" + (maxResidues + 2) + " tokens with <cls> and <eos>);"
                            + " use --truncate to keep the first residues as fair-esm's extract.py does, or --window"
                            + " to run overlapping windows and average their outputs");
                }
                return SequenceWindows.of(residueTokens, n, 0);
        }
    }
}
