package org.esm2j.score;

import java.util.Locale;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;

/**
 * One amino-acid substitution: the wild-type letter at a 0-based residue index and the letter replacing it.
 *
 * <p>The text form is {@code <wt><position><mt>}, e.g. {@code A42G}. Position {@code p} in the text refers to residue
 * index {@code p - offset}; the default offset 1 reads positions as 1-based (the usual DMS/ProteinGym convention), so
 * {@code A42G} is index 41. fair-esm's predict.py defaults to offset 0 ({@code --offset-idx}), i.e. 0-based numbers;
 * pass offset 0 to read such files. A file numbered from residue 24 of a longer protein would use offset 24.
 *
 * @param wildType the residue the wild type must have at {@code index} (an uppercase letter of the ESM-2 alphabet)
 * @param index 0-based residue index, not counting {@code <cls>}
 * @param mutant the replacing residue (an uppercase letter of the ESM-2 alphabet)
 */
public record Mutation(char wildType, int index, char mutant) {
    public static final int DEFAULT_OFFSET = 1;

    public Mutation {
        if (index < 0) {
            throw new InvalidInputException("mutation " + wildType + "?" + mutant + ": residue index " + index
                    + " is negative");
        }
        String label = String.valueOf(wildType) + (index + 1) + mutant + " (1-based)";
        checkResidue(wildType, "wild-type", label);
        checkResidue(mutant, "mutant", label);
    }

    /** Parses {@code A42G} with 1-based positions. */
    public static Mutation parse(String text) {
        return parse(text, DEFAULT_OFFSET);
    }

    /**
     * Parses {@code <wt><position><mt>}; position {@code p} means residue index {@code p - offset}. Letters may be
     * lowercase (read as uppercase, as {@link Alphabet#encode} reads sequences); surrounding whitespace is ignored.
     */
    public static Mutation parse(String text, int offset) {
        String s = text.strip();
        if (s.length() < 3) {
            throw new InvalidInputException("malformed mutation '" + text + "': expected <wild type><position><mutant>"
                    + " such as A42G");
        }
        char wt = Character.toUpperCase(s.charAt(0));
        char mt = Character.toUpperCase(s.charAt(s.length() - 1));
        String digits = s.substring(1, s.length() - 1);
        if (!isResidueLetter(wt)) {
            throw new InvalidInputException("malformed mutation '" + text + "': wild-type '" + s.charAt(0)
                    + "' is not an amino-acid letter of the ESM-2 alphabet");
        }
        if (!isResidueLetter(mt)) {
            throw new InvalidInputException("malformed mutation '" + text + "': mutant '" + s.charAt(s.length() - 1)
                    + "' is not an amino-acid letter of the ESM-2 alphabet (insertions, deletions and stop codons"
                    + " are not supported)");
        }
        if (!digits.matches("-?[0-9]{1,9}")) {
            throw new InvalidInputException("malformed mutation '" + text + "': position '" + digits
                    + "' is not an integer");
        }
        int position = Integer.parseInt(digits);
        int index = position - offset;
        if (index < 0) {
            throw new InvalidInputException("mutation '" + text + "': position " + position + " with offset " + offset
                    + " refers to residue index " + index + ", before the start of the sequence");
        }
        return new Mutation(wt, index, mt);
    }

    /** 1-based residue number, for messages. */
    public int position() {
        return index + 1;
    }

    /** The mutant token id. */
    int mutantToken() {
        return Alphabet.residueId(mutant);
    }

    /** The wild-type token id. */
    int wildTypeToken() {
        return Alphabet.residueId(wildType);
    }

    /** The canonical text with 1-based numbering, e.g. {@code A42G} for index 41. */
    @Override
    public String toString() {
        return String.valueOf(wildType) + position() + mutant;
    }

    private static boolean isResidueLetter(char c) {
        return c >= 'A' && c <= 'Z' && Alphabet.residueId(c) >= 0;
    }

    private static void checkResidue(char c, String role, String mutation) {
        if (!isResidueLetter(c)) {
            throw new InvalidInputException(String.format(Locale.ROOT,
                    "mutation %s: %s residue '%c' is not an uppercase amino-acid letter of the ESM-2 alphabet",
                    mutation, role, c));
        }
    }
}
