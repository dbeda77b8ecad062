package org.esm2j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.data.SequenceWindows.Window;
import org.junit.jupiter.api.Test;

class LengthPolicyTest {
    private static int[] residues(int n) {
        int[] tokens = new int[n];
        Arrays.fill(tokens, Alphabet.idOf("A"));
        tokens[n - 1] = Alphabet.idOf("K");
        return tokens;
    }

    @Test
    void defaultRejectsLongSequencesNamingRecordLengthAndLimit() {
        LengthPolicy policy = LengthPolicy.defaults();
        assertEquals(new LengthPolicy(LengthPolicy.Mode.ERROR, 1022, 0), policy);
        assertEquals(List.of(new Window(0, 1022)), policy.apply("ok", residues(1022)).windows());
        String message = assertThrows(InvalidInputException.class,
                () -> policy.apply("P69905", residues(1023))).getMessage();
        assertTrue(message.contains("'P69905'"), message);
        assertTrue(message.contains("1023 residues"), message);
        assertTrue(message.contains("limit of 1022"), message);
        assertTrue(message.contains("--truncate") && message.contains("--window"), message);
    }

    @Test
    void truncateCutsResiduesBeforeFramingLikeFairEsm() {
        int[] tokens = residues(1500);
        SequenceWindows kept = LengthPolicy.truncate(1022).apply("long", tokens);
        assertEquals(1, kept.count());
        assertEquals(1022, kept.length());
        assertArrayEquals(Arrays.copyOf(tokens, 1022), kept.tokens(0));
        // fair-esm: 1022 residues + cls + eos = 1024 tokens
        assertEquals(1024, Alphabet.frame(kept.tokens(0)).length);

        SequenceWindows shortOne = LengthPolicy.truncate(1022).apply("short", residues(30));
        assertArrayEquals(residues(30), shortOne.tokens(0));
    }

    @Test
    void windowKeepsEveryResidue() {
        SequenceWindows windows = LengthPolicy.window(1022, 256).apply("long", residues(2000));
        assertEquals(2000, windows.length());
        assertEquals(List.of(new Window(0, 1022), new Window(766, 1788), new Window(978, 2000)), windows.windows());
        assertEquals(1, LengthPolicy.window(1022, 256).apply("short", residues(100)).count());
    }

    @Test
    void invalidPoliciesAndEmptySequences() {
        assertThrows(InvalidInputException.class, () -> LengthPolicy.window(100, 100));
        assertThrows(InvalidInputException.class, () -> LengthPolicy.window(100, -1));
        assertThrows(InvalidInputException.class, () -> LengthPolicy.truncate(0));
        assertThrows(InvalidInputException.class, () -> new LengthPolicy(LengthPolicy.Mode.ERROR, 10, 2));
        assertThrows(IllegalArgumentException.class, () -> new LengthPolicy(null, 10, 0));
        String message = assertThrows(InvalidInputException.class,
                () -> LengthPolicy.defaults().apply("blank", new int[0])).getMessage();
        assertTrue(message.contains("'blank'"), message);
    }
}
