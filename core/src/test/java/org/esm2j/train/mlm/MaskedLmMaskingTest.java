package org.esm2j.train.mlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.esm2j.data.Alphabet;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.train.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * The 15% / 80-10-10 recipe checked statistically on many padded sequences (bounds are 6 standard deviations of the
 * binomial counts, so a correct implementation fails with probability below 1e-8), and exactly on the invariants:
 * special tokens never chosen, targets -100 elsewhere, unchanged inputs outside the chosen positions, reproducible
 * from the seed.
 */
class MaskedLmMaskingTest {
    private static final int SEQUENCES = 2000;
    private static final int LENGTH = 102;

    @Test
    void selectsFifteenPercentOfResiduesAndSplitsThemEightyTenTen() {
        SeededRandom data = new SeededRandom(5);
        int[] tokens = new int[SEQUENCES * LENGTH];
        int[] offsets = new int[SEQUENCES + 1];
        long residues = 0;
        for (int b = 0; b < SEQUENCES; b++) {
            offsets[b + 1] = (b + 1) * LENGTH;
            int residuesHere = 1 + data.nextInt(LENGTH - 2);
            int at = b * LENGTH;
            tokens[at] = Alphabet.CLS;
            for (int i = 1; i <= residuesHere; i++) {
                tokens[at + i] = 4 + data.nextInt(25); // standard and non-standard residues (ids 4..28)
            }
            tokens[at + residuesHere + 1] = Alphabet.EOS;
            for (int i = residuesHere + 2; i < LENGTH; i++) {
                tokens[at + i] = Alphabet.PAD;
            }
            residues += residuesHere;
        }
        MaskedLmMasking.Masked masked = new MaskedLmMasking(new SeededRandom(42)).apply(tokens, offsets);

        long selected = 0;
        long toMask = 0;
        long toRandom = 0;
        long unchanged = 0;
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            if (masked.targets()[i] == -100) {
                assertEquals(t, masked.inputs()[i], "position " + i + " not chosen but changed");
                continue;
            }
            assertTrue(t != Alphabet.CLS && t != Alphabet.EOS && t != Alphabet.PAD, "special token chosen at " + i);
            assertEquals(t, masked.targets()[i], "target is the original token at " + i);
            selected++;
            int in = masked.inputs()[i];
            if (in == Alphabet.MASK) {
                toMask++;
            } else if (in != t) {
                assertTrue(in >= 4 && in <= 23, "random replacement " + in + " is a standard amino acid");
                toRandom++;
            } else {
                unchanged++;
            }
        }
        // a random replacement equal to the original (1 in 20) counts as unchanged: expected 10% + 10% / 20
        assertWithin("selected fraction", selected, residues, 0.15);
        assertWithin("mask fraction", toMask, selected, 0.8);
        assertWithin("random fraction", toRandom, selected, 0.1 * 19 / 20);
        assertWithin("unchanged fraction", unchanged, selected, 0.1 + 0.1 / 20);
    }

    @Test
    void sameSeedSameCorruptionAndStateResumes() {
        int[] seq = Alphabet.frame(Alphabet.encode("MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "s", UnknownResiduePolicy.ERROR));
        MaskedLmMasking.Masked a = new MaskedLmMasking(new SeededRandom(9)).apply(seq);
        MaskedLmMasking.Masked b = new MaskedLmMasking(new SeededRandom(9)).apply(seq);
        assertArrayEquals(a.inputs(), b.inputs());
        assertArrayEquals(a.targets(), b.targets());

        SeededRandom straight = new SeededRandom(3);
        MaskedLmMasking m = new MaskedLmMasking(straight);
        m.apply(seq);
        SeededRandom resumed = new SeededRandom(0);
        resumed.setState(straight.state());
        assertArrayEquals(m.apply(seq).inputs(), new MaskedLmMasking(resumed).apply(seq).inputs());
    }

    private static void assertWithin(String what, long count, long total, double p) {
        double sd = Math.sqrt(total * p * (1 - p));
        double expected = total * p;
        System.out.printf("%s: %d of %d = %.4f (expected %.4f)%n", what, count, total, (double) count / total, p);
        assertTrue(Math.abs(count - expected) <= 6 * sd, what + ": " + count + " of " + total + ", expected "
                + expected + " +- " + 6 * sd);
    }
}
