package org.esm2j.data;

import org.esm2j.InvalidInputException;

/**
 * What {@link Alphabet#encode} does with a character that is not in the ESM-2 vocabulary (e.g. {@code J}, {@code *}).
 * fair-esm raises a {@code KeyError}; Hugging Face's tokenizer maps to {@code <unk>}. CLI: {@code --unknown error|X|unk}.
 */
public enum UnknownResiduePolicy {
    /** Reject the sequence with an error naming the record and the 1-based position (fair-esm's behaviour). */
    ERROR,
    /** Replace each unknown character by {@code X} (id 24), the "any amino acid" residue the model was trained with. */
    MAP_TO_X,
    /**
     * Replace each unknown character by {@code <unk>} (id 3). Unlike Hugging Face, which folds a run of unknown
     * characters into one {@code <unk>}, every character keeps its own token so residue positions stay aligned.
     */
    MAP_TO_UNK;

    /** Parses the CLI spelling: {@code error}, {@code X} (or {@code x}) or {@code unk}. */
    public static UnknownResiduePolicy fromCliName(String name) {
        switch (name) {
            case "error":
                return ERROR;
            case "X":
            case "x":
                return MAP_TO_X;
            case "unk":
                return MAP_TO_UNK;
            default:
                throw new InvalidInputException(
                        "unknown residue policy '" + name + "' (expected one of: error, X, unk)");
        }
    }
}
