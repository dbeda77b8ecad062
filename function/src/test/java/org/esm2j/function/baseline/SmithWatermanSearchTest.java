package org.esm2j.function.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.IdentitySearch;
import org.junit.jupiter.api.Test;

class SmithWatermanSearchTest {
    private static final String RESIDUES = "ARNDCQEGHILKMFPSTWYV";

    @Test
    void blosum62IsSymmetricWithTheKnownDiagonal() {
        int[][] m = SmithWatermanSearch.readBlosum62();
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                assertEquals(m[i][j], m[j][i], "BLOSUM62 asymmetric at " + i + "," + j);
            }
        }
        // Diagonal values of BLOSUM62 (W 11, C 9, H 8, P 7, Y 7; A, I, L, S, V 4).
        assertEquals(11, SmithWatermanSearch.substitution('W', 'W'));
        assertEquals(9, SmithWatermanSearch.substitution('C', 'C'));
        assertEquals(8, SmithWatermanSearch.substitution('H', 'H'));
        assertEquals(4, SmithWatermanSearch.substitution('A', 'A'));
        assertEquals(-4, SmithWatermanSearch.substitution('W', 'N'));
    }

    @Test
    void handWorkedAlignmentWithAGap() {
        // WWWW (4 x 11) + a 3-residue gap (11 + 3) + CCCC (4 x 9) = 44 - 14 + 36 = 66, beating WWWW alone (44) and
        // the ungapped WWWWCCCC/WWWWGGGC (44 - 9 + 9 = 44). Columns: 4 + 3 + 4 = 11, of which 8 identical.
        SmithWatermanSearch.Alignment a = SmithWatermanSearch.align("WWWWCCCC", "WWWWGGGCCCC");
        assertEquals(66, a.score());
        assertEquals(8, a.identities());
        assertEquals(11, a.columns());
        SmithWatermanSearch.Alignment b = SmithWatermanSearch.align("WWWWGGGCCCC", "WWWWCCCC");
        assertEquals(a, b, "a gap in either sequence costs the same");
    }

    @Test
    void localAlignmentIgnoresUnrelatedFlanks() {
        // PPPP vs DDDD scores -1 per pair; the shared core HEAGAWGHEE is aligned alone, identity 1.
        SmithWatermanSearch.Alignment a = SmithWatermanSearch.align("PPPPHEAGAWGHEEPPPP", "DDDDHEAGAWGHEEDDDD");
        assertEquals(10, a.columns());
        assertEquals(10, a.identities());
        int expected = 0;
        for (char c : "HEAGAWGHEE".toCharArray()) {
            expected += SmithWatermanSearch.substitution(c, c);
        }
        assertEquals(expected, a.score());
    }

    @Test
    void scoreIsSymmetricAndSelfIdentityIsOneOnRandomPairs() {
        Random random = new Random(3);
        for (int k = 0; k < 30; k++) {
            String x = random(random, 20 + random.nextInt(60));
            String y = random(random, 20 + random.nextInt(60));
            assertEquals(SmithWatermanSearch.align(x, y).score(), SmithWatermanSearch.align(y, x).score());
            SmithWatermanSearch.Alignment self = SmithWatermanSearch.align(x, x);
            assertEquals(x.length(), self.columns());
            assertEquals(x.length(), self.identities());
        }
    }

    @Test
    void bestHitIsTheSignificantHomologAndUnrelatedQueriesHaveNone() {
        Random random = new Random(5);
        String a = random(random, 120);
        String unrelated = random(random, 120);
        StringBuilder mutant = new StringBuilder(a);
        for (int i = 0; i < mutant.length(); i += 5) {
            mutant.setCharAt(i, RESIDUES.charAt(random.nextInt(20)));
        }
        Map<String, IdentitySearch.Hit> hits = new SmithWatermanSearch(1e-3).bestHits(
                List.of(new FastaRecord("a", "", a), new FastaRecord("lonely", "", random(random, 120))),
                List.of(new FastaRecord("unrelated", "", unrelated), new FastaRecord("mutant", "",
                        mutant.toString())));
        assertEquals(Set.of("a"), hits.keySet(), "no significant hit for an unrelated query: " + hits);
        assertEquals("mutant", hits.get("a").target());
        // Every fifth residue redrawn: about 1 - 0.2 * 19/20 = 81% identical.
        assertTrue(hits.get("a").identity() > 0.75 && hits.get("a").identity() < 0.95, hits.toString());
    }

    static String random(Random random, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(RESIDUES.charAt(random.nextInt(RESIDUES.length())));
        }
        return sb.toString();
    }
}
