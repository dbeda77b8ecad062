package org.esm2j.train.mlm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.esm2j.data.Alphabet;
import org.esm2j.data.UnknownResiduePolicy;
import org.junit.jupiter.api.Test;

class CompositionBaselineTest {
    private static int[] seq(String s) {
        return Alphabet.frame(Alphabet.encode(s, "t", UnknownResiduePolicy.ERROR));
    }

    @Test
    void perplexityIsTheExponentOfTheMeanNegativeLogSmoothedFrequency() {
        // training: 6 A and 2 C over 28 residue tokens (ids 4..31) with add-one smoothing
        CompositionBaseline b = new CompositionBaseline(List.of(seq("AAAC"), seq("AACA")));
        double pA = (6 + 1) / (8.0 + 28);
        double pC = (2 + 1) / (8.0 + 28);
        double pW = 1 / (8.0 + 28);
        double expected = Math.exp(-(2 * Math.log(pA) + Math.log(pC) + Math.log(pW)) / 4);
        assertEquals(expected, b.perplexity(List.of(seq("ACAW"))), 1e-12);
    }

    @Test
    void aUniformCompositionOverTwentyResiduesGivesAboutTwenty() {
        String all = "ACDEFGHIKLMNPQRSTVWY";
        CompositionBaseline b = new CompositionBaseline(List.of(seq(all.repeat(1000))));
        // 20 seen kinds of 1001/20028 each: perplexity 20028/1001 = 20.008
        assertEquals(20028.0 / 1001, b.perplexity(List.of(seq(all))), 1e-9);
    }
}
