package org.esm2j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;

/**
 * Converts a right-padded (batch, width) token matrix, as fair-esm's BatchConverter makes it, into the unpadded
 * sequences a trainer takes. Attention in fair-esm ignores padded keys and never mixes sequences, so dropping the
 * padding changes nothing.
 */
public final class PaddedBatch {
    /**
     * The target of a position that is not scored: PyTorch's ignore_index, equal to the loss package's
     * {@code CrossEntropyLoss.IGNORE_INDEX} (PaddedBatchTest checks it). Not imported from there: org.esm2j.train.loss
     * depends on this package (ParameterLayout), and importing back would make a package cycle.
     */
    public static final int NOT_SCORED = -100;

    private PaddedBatch() {
    }

    /** Row b of the (batch, width) row-major matrix without its trailing {@code <pad>} tokens. */
    public static List<int[]> sequences(int[] tokens, int batch, int width) {
        checkSize("tokens", tokens, batch, width);
        List<int[]> out = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            int end = width;
            while (end > 0 && tokens[b * width + end - 1] == Alphabet.PAD) {
                end--;
            }
            for (int p = b * width; p < b * width + end; p++) {
                if (tokens[p] == Alphabet.PAD) {
                    throw new InvalidInputException("row " + b + " has <pad> at position " + (p - b * width)
                            + " before its last token; only right padding is supported");
                }
            }
            if (end == 0) {
                throw new InvalidInputException("row " + b + " is all padding");
            }
            out.add(Arrays.copyOfRange(tokens, b * width, b * width + end));
        }
        return out;
    }

    /**
     * The per-token values of a (batch, width) matrix (e.g. MLM targets) cut to the given sequences' lengths; padded
     * positions must be {@link #NOT_SCORED}.
     */
    public static List<int[]> alignedTo(List<int[]> sequences, int[] values, int width) {
        checkSize("values", values, sequences.size(), width);
        List<int[]> out = new ArrayList<>(sequences.size());
        for (int b = 0; b < sequences.size(); b++) {
            int len = sequences.get(b).length;
            for (int p = len; p < width; p++) {
                if (values[b * width + p] != NOT_SCORED) {
                    throw new InvalidInputException("row " + b + " has target " + values[b * width + p]
                            + " at padded position " + p);
                }
            }
            out.add(Arrays.copyOfRange(values, b * width, b * width + len));
        }
        return out;
    }

    private static void checkSize(String what, int[] values, int batch, int width) {
        if (batch < 1 || width < 1 || values.length != (long) batch * width) {
            throw new IllegalArgumentException(what + " has " + values.length + " values, expected batch " + batch
                    + " x width " + width);
        }
    }
}
