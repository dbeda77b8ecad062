package org.esm2j.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.data.UnknownResiduePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MutationTest {

    @Test
    void positionsAreOneBasedByDefault() {
        assertEquals(new Mutation('A', 41, 'G'), Mutation.parse("A42G"));
        assertEquals("A42G", Mutation.parse("A42G").toString());
    }

    @Test
    void offsetShiftsNumbering() {
        assertEquals(42, Mutation.parse("A42G", 0).index(), "offset 0: fair-esm predict.py's default, 0-based");
        assertEquals(18, Mutation.parse("A42G", 24).index(), "a file numbered from residue 24");
        assertEquals(0, Mutation.parse("K1G").index());
    }

    @Test
    void lowercaseAndSurroundingWhitespaceAreAccepted() {
        assertEquals(new Mutation('A', 41, 'G'), Mutation.parse("  a42g "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "42G | wild-type '4' is not an amino-acid letter",
        "AG | expected <wild type><position><mutant>",
        "A42 | mutant '2' is not an amino-acid letter",
        "AxG | position 'x' is not an integer",
        "A4.5G | position '4.5' is not an integer",
        "J42G | wild-type 'J' is not an amino-acid letter",
        "A42* | mutant '*' is not an amino-acid letter",
        "A42- | mutant '-' is not an amino-acid letter",
        "A0G | refers to residue index -1",
    })
    void malformedMutationsAreRejectedWithTheTextAndTheReason(String text, String reason) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Mutation.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void directConstructionChecksLettersAndIndex() {
        assertThrows(InvalidInputException.class, () -> new Mutation('a', 0, 'G'));
        assertThrows(InvalidInputException.class, () -> new Mutation('A', -1, 'G'));
        assertThrows(InvalidInputException.class, () -> new Mutation('A', 0, '<'));
    }

    @Test
    void multiMutantsAreColonSeparated() {
        MutationSet set = MutationSet.parse("A42G:K50R");
        assertEquals(List.of(new Mutation('A', 41, 'G'), new Mutation('K', 49, 'R')), set.mutations());
        assertEquals("A42G:K50R", set.text());
        assertEquals(MutationSet.parse("A43G:K51R", 2), set, "equality by mutations, not by spelling");
        assertEquals("A42G:K50R", MutationSet.of(set.mutations()).text());
    }

    @Test
    void duplicateSiteInOneSetIsAnError() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> MutationSet.parse("A42G:K50R:A42V"));
        assertTrue(e.getMessage().contains("'A42G:K50R:A42V'") && e.getMessage().contains("residue 42")
                && e.getMessage().contains("mutated twice"), e.getMessage());
    }

    @Test
    void emptyEntriesAndEmptySetsAreErrors() {
        InvalidInputException gap = assertThrows(InvalidInputException.class, () -> MutationSet.parse("A42G::K50R"));
        assertTrue(gap.getMessage().contains("'A42G::K50R'") && gap.getMessage().contains("empty entry"),
                gap.getMessage());
        assertThrows(InvalidInputException.class, () -> MutationSet.parse("  "));
        assertThrows(InvalidInputException.class, () -> MutationSet.of(List.of()));
    }

    @Test
    void errorInsideASetNamesTheSetAndTheEntry() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> MutationSet.parse("A42G:K5OR"));
        assertTrue(e.getMessage().contains("'A42G:K5OR'") && e.getMessage().contains("'K5OR'"), e.getMessage());
    }

    @Test
    void setIsCheckedAgainstTheWildType() {
        int[] wt = Alphabet.encode("MKTAY", "wt", UnknownResiduePolicy.ERROR);
        MutationSet.parse("M1A:Y5W").checkAgainst(wt);
        InvalidInputException mismatch = assertThrows(InvalidInputException.class,
                () -> MutationSet.parse("A2G").checkAgainst(wt));
        assertTrue(mismatch.getMessage().contains("A2G") && mismatch.getMessage().contains("residue 2 of the wild type"
                + " is K"), mismatch.getMessage());
        InvalidInputException outside = assertThrows(InvalidInputException.class,
                () -> MutationSet.parse("A6G").checkAgainst(wt));
        assertTrue(outside.getMessage().contains("residue 6") && outside.getMessage().contains("5 residues"),
                outside.getMessage());
    }
}
