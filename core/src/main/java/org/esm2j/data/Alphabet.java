package org.esm2j.data;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;

/**
 * The ESM-2 vocabulary (fair-esm's "ESM-1b" alphabet): 33 tokens with the exact ids of the released checkpoints and of
 * the Hugging Face {@code vocab.txt}. docs/MODEL_REFERENCE.md section 1.
 *
 * <p>Encoding follows fair-esm: every vocabulary entry (each letter and each special token such as {@code <mask>}) is
 * its own token and whitespace is ignored, so {@code "K A <mask> I S Q"} and {@code "KA<mask>ISQ"} encode alike. Two
 * deliberate, documented departures: lowercase letters are accepted as their uppercase residue (fair-esm raises), and
 * characters outside the vocabulary are handled by an {@link UnknownResiduePolicy} instead of always raising.
 */
public final class Alphabet {
    public static final int CLS = 0;
    public static final int PAD = 1;
    public static final int EOS = 2;
    public static final int UNK = 3;
    public static final int MASK = 32;
    public static final int SIZE = 33;
    /** The "any residue" token used by {@link UnknownResiduePolicy#MAP_TO_X}. */
    public static final int X = 24;

    // The order is the model's embedding row order: prepend tokens, the 27 standard tokens of
    // esm/constants.py, one <null_1> to pad the count to a multiple of 8, then <mask>.
    private static final List<String> TOKENS = List.of(
            "<cls>", "<pad>", "<eos>", "<unk>",
            "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y",
            "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>");

    private static final int LONGEST_TOKEN = "<null_1>".length();
    private static final Map<String, Integer> IDS = new HashMap<>();
    /** Ids of the single-character tokens indexed by the character; -1 where none. */
    private static final int[] RESIDUE_IDS = new int[128];

    static {
        Arrays.fill(RESIDUE_IDS, -1);
        for (int id = 0; id < TOKENS.size(); id++) {
            String token = TOKENS.get(id);
            IDS.put(token, id);
            if (token.length() == 1) {
                RESIDUE_IDS[token.charAt(0)] = id;
            }
        }
    }

    private Alphabet() {
    }

    /** The token string of an id, e.g. {@code "<cls>"} for 0 and {@code "L"} for 4. */
    public static String token(int id) {
        if (id < 0 || id >= SIZE) {
            throw new IllegalArgumentException("token id " + id + " is outside the alphabet (0.." + (SIZE - 1) + ")");
        }
        return TOKENS.get(id);
    }

    /** The id of a token string, exactly as spelled in the vocabulary; -1 when it is not a token. */
    public static int idOf(String token) {
        Integer id = IDS.get(token);
        return id == null ? -1 : id;
    }

    /**
     * The id of a one-character token (an uppercase residue letter, {@code .} or {@code -}); -1 for anything else,
     * lowercase letters included (only {@link #encode} folds case).
     */
    public static int residueId(char c) {
        return c < RESIDUE_IDS.length ? RESIDUE_IDS[c] : -1;
    }

    /**
     * Encodes a sequence into residue tokens (no {@code <cls>}/{@code <eos>}; see {@link #frame}). The text may contain
     * special tokens written out ({@code <mask>}, {@code <unk>}, ...); whitespace is ignored; lowercase letters count
     * as uppercase. A character outside the vocabulary is handled by {@code policy}; the error names {@code recordId},
     * the 1-based residue position (the index of the token it would have produced, which is the character position
     * when the text holds no whitespace or special tokens) and the character.
     */
    public static int[] encode(String sequence, String recordId, UnknownResiduePolicy policy) {
        int[] out = new int[sequence.length()];
        int count = 0;
        int i = 0;
        while (i < sequence.length()) {
            char c = sequence.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '<') {
                int special = specialTokenAt(sequence, i);
                if (special >= 0) {
                    out[count++] = special;
                    i += TOKENS.get(special).length();
                    continue;
                }
            }
            // Fold ASCII only: Character.toUpperCase would turn e.g. a dotless i into I.
            int id = residueId(c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c);
            if (id < 0) {
                id = unknown(sequence, i, count + 1, recordId, policy);
            }
            out[count++] = id;
            i += Character.charCount(sequence.codePointAt(i));
        }
        return Arrays.copyOf(out, count);
    }

    /** {@code <cls>} + residues + {@code <eos>}: the model input for one sequence. */
    public static int[] frame(int[] residueTokens) {
        int[] framed = new int[residueTokens.length + 2];
        framed[0] = CLS;
        System.arraycopy(residueTokens, 0, framed, 1, residueTokens.length);
        framed[framed.length - 1] = EOS;
        return framed;
    }

    /** Concatenates the token strings, e.g. {@code [0, 15, 32, 2]} gives {@code "<cls>K<mask><eos>"}. */
    public static String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= SIZE) {
                throw new IllegalArgumentException("token " + i + " has id " + tokens[i] + ", outside the alphabet (0.."
                        + (SIZE - 1) + ")");
            }
            sb.append(TOKENS.get(tokens[i]));
        }
        return sb.toString();
    }

    /** The id of the multi-character token starting at {@code from}, or -1. */
    private static int specialTokenAt(String text, int from) {
        int close = text.indexOf('>', from);
        if (close < 0 || close - from + 1 > LONGEST_TOKEN) {
            return -1;
        }
        String candidate = text.substring(from, close + 1);
        Integer id = IDS.get(candidate);
        return id == null ? -1 : id;
    }

    private static int unknown(String text, int index, int position, String recordId, UnknownResiduePolicy policy) {
        switch (policy) {
            case MAP_TO_X:
                return X;
            case MAP_TO_UNK:
                return UNK;
            case ERROR:
            default:
                int codePoint = text.codePointAt(index);
                throw new InvalidInputException("record '" + recordId + "': unknown residue '"
                        + new String(Character.toChars(codePoint)) + "'"
                        + (codePoint > 126 || codePoint < 33 ? String.format(" (U+%04X)", codePoint) : "")
                        + " at position " + position + "; the alphabet has the 20 standard amino acids, X B U Z O . -"
                        + " and <mask>/<unk>; use --unknown X or --unknown unk to map unknown residues");
        }
    }
}
