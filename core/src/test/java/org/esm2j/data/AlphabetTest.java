package org.esm2j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.junit.jupiter.api.Test;

class AlphabetTest {
    // docs/MODEL_REFERENCE.md section 1.1, written out independently of the implementation's table.
    private static final String[] EXPECTED = {
        "<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F",
        "Y", "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>"};

    @Test
    void everyIdOfTheTable() {
        assertEquals(33, Alphabet.SIZE);
        assertEquals(EXPECTED.length, Alphabet.SIZE);
        for (int id = 0; id < EXPECTED.length; id++) {
            assertEquals(EXPECTED[id], Alphabet.token(id), "token of id " + id);
            assertEquals(id, Alphabet.idOf(EXPECTED[id]), "id of " + EXPECTED[id]);
            if (EXPECTED[id].length() == 1) {
                assertEquals(id, Alphabet.residueId(EXPECTED[id].charAt(0)));
            }
        }
        assertEquals(0, Alphabet.CLS);
        assertEquals(1, Alphabet.PAD);
        assertEquals(2, Alphabet.EOS);
        assertEquals(3, Alphabet.UNK);
        assertEquals(32, Alphabet.MASK);
        assertEquals("X", Alphabet.token(Alphabet.X));
    }

    @Test
    void lookupsOfNonTokens() {
        assertEquals(-1, Alphabet.idOf("J"));
        assertEquals(-1, Alphabet.idOf("<MASK>"));
        assertEquals(-1, Alphabet.idOf("l"));
        assertEquals(-1, Alphabet.residueId('J'));
        assertEquals(-1, Alphabet.residueId('k'));
        assertEquals(-1, Alphabet.residueId('<'));
        assertEquals(-1, Alphabet.residueId('\u00e9'));
        assertThrows(IllegalArgumentException.class, () -> Alphabet.token(33));
        assertThrows(IllegalArgumentException.class, () -> Alphabet.token(-1));
    }

    @Test
    void whitespaceAndSpecialTokens() {
        int[] expected = {15, 5, 32, 12, 8, 16};
        assertArrayEquals(expected, Alphabet.encode("K A <mask> I S Q", "r", UnknownResiduePolicy.ERROR));
        assertArrayEquals(expected, Alphabet.encode("KA<mask>ISQ", "r", UnknownResiduePolicy.ERROR));
        assertArrayEquals(expected, Alphabet.encode(" ka<mask>\tis\nq ", "r", UnknownResiduePolicy.ERROR));
        assertArrayEquals(new int[] {0, 3, 1, 2, 31, 29, 30},
                Alphabet.encode("<cls><unk><pad><eos><null_1>.-", "r", UnknownResiduePolicy.ERROR));
        assertArrayEquals(new int[0], Alphabet.encode("  ", "r", UnknownResiduePolicy.ERROR));
    }

    @Test
    void goldenTokensOfAllFiveSequences() {
        Golden golden = Golden.of(Fixtures.TINY);
        List<String> sequences = golden.sequences();
        assertEquals(5, sequences.size());
        for (int i = 0; i < sequences.size(); i++) {
            int[] framed = Alphabet.frame(Alphabet.encode(sequences.get(i), "s" + i, UnknownResiduePolicy.ERROR));
            assertArrayEquals(golden.tokens(i), framed, "tokens of sequence " + i);
            assertEquals(sequences.get(i), Alphabet.decode(Alphabet.encode(sequences.get(i), "s" + i,
                    UnknownResiduePolicy.ERROR)), "decode round trip of sequence " + i);
        }
    }

    @Test
    void unknownResidueErrorNamesRecordAndPosition() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> Alphabet.encode("MKTJ", "P12345", UnknownResiduePolicy.ERROR));
        assertTrue(e.getMessage().contains("P12345"), e.getMessage());
        assertTrue(e.getMessage().contains("'J'"), e.getMessage());
        assertTrue(e.getMessage().contains("position 4"), e.getMessage());
        assertTrue(e.getMessage().contains("--unknown"), e.getMessage());

        // Position counts residues: whitespace and a written-out <mask> are one token each or none.
        e = assertThrows(InvalidInputException.class,
                () -> Alphabet.encode("M K <mask> *", "rec", UnknownResiduePolicy.ERROR));
        assertTrue(e.getMessage().contains("'*' at position 4"), e.getMessage());

        // An unterminated or misspelled special token is an unknown '<'.
        e = assertThrows(InvalidInputException.class,
                () -> Alphabet.encode("MK<MASK>", "rec", UnknownResiduePolicy.ERROR));
        assertTrue(e.getMessage().contains("'<' at position 3"), e.getMessage());
    }

    @Test
    void unknownResiduePolicies() {
        assertArrayEquals(new int[] {20, 15, 24, 24, 11},
                Alphabet.encode("MKJ*T", "r", UnknownResiduePolicy.MAP_TO_X));
        // One <unk> per character (Hugging Face would fold "J*" into one), so positions stay aligned.
        assertArrayEquals(new int[] {20, 15, 3, 3, 11},
                Alphabet.encode("MKJ*T", "r", UnknownResiduePolicy.MAP_TO_UNK));
        // Only ASCII letters fold to uppercase: a dotless i is unknown, not I.
        assertArrayEquals(new int[] {24}, Alphabet.encode("\u0131", "r", UnknownResiduePolicy.MAP_TO_X));
        // A character outside the BMP is one residue, not two.
        assertArrayEquals(new int[] {20, 24, 15},
                Alphabet.encode("M\uD83D\uDE00K", "r", UnknownResiduePolicy.MAP_TO_X));
        assertEquals(UnknownResiduePolicy.ERROR, UnknownResiduePolicy.fromCliName("error"));
        assertEquals(UnknownResiduePolicy.MAP_TO_X, UnknownResiduePolicy.fromCliName("X"));
        assertEquals(UnknownResiduePolicy.MAP_TO_UNK, UnknownResiduePolicy.fromCliName("unk"));
        assertThrows(InvalidInputException.class, () -> UnknownResiduePolicy.fromCliName("skip"));
    }

    @Test
    void frameAndDecode() {
        int[] framed = Alphabet.frame(new int[] {15, 32});
        assertArrayEquals(new int[] {0, 15, 32, 2}, framed);
        assertArrayEquals(new int[] {0, 2}, Alphabet.frame(new int[0]));
        assertEquals("<cls>K<mask><eos>", Alphabet.decode(framed));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Alphabet.decode(new int[] {4, 40}));
        assertTrue(e.getMessage().contains("token 1 has id 40"), e.getMessage());
    }
}
