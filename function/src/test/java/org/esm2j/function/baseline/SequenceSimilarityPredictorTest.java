package org.esm2j.function.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.function.synthetic.SyntheticFunctionTask;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class SequenceSimilarityPredictorTest {
    /** A search that returns fixed hits, so the scoring rule is checked alone. */
    private static HomologySearch fixed(List<HomologyHit> hits) {
        return new HomologySearch() {
            @Override
            public String name() {
                return "fixed";
            }

            @Override
            public List<HomologyHit> search(List<String> queries, List<String> targets) {
                return hits;
            }
        };
    }

    @Test
    void eachTermScoresTheHighestIdentityAmongHitsCarryingIt() {
        boolean[][] labels = {{true, false, false}, {true, true, false}, {false, false, true}};
        // Query 0 hits training 0 at 0.9 and 1 at 0.5; query 1 hits nothing; query 2 hits 2 at 0.3 and 1 at 0.6.
        List<HomologyHit> hits = List.of(new HomologyHit(0, 0, 0.9), new HomologyHit(0, 1, 0.5),
                new HomologyHit(2, 2, 0.3), new HomologyHit(2, 1, 0.6));
        SequenceSimilarityPredictor p = SequenceSimilarityPredictor.fit(List.of("A", "C", "D"), labels, fixed(hits));
        float[][] s = p.predict(List.of("x", "y", "z"));
        assertArrayEquals(new float[] {0.9f, 0.5f, 0f}, s[0]);
        assertArrayEquals(new float[] {0f, 0f, 0f}, s[1]);
        assertArrayEquals(new float[] {0.6f, 0.6f, 0.3f}, s[2]);
    }

    @Test
    void naiveBaselineScoresTermFrequencies() {
        boolean[][] labels = {{true, false}, {true, true}, {false, false}, {true, false}};
        float[][] s = NaiveFrequencyPredictor.fit(labels).predict(2);
        assertArrayEquals(new float[] {0.75f, 0.25f}, s[0]);
        assertArrayEquals(s[0], s[1]);
    }

    /**
     * MMseqs2 against the Java fallback; slow only because MMseqs2 builds its full k-mer index (10-20 s on the loaded
     * development machine).
     */
    @Test
    @Tag("slow")
    void mmseqsAgreesWithTheJavaFallbackOnGeneratedFamilies() {
        assumeTrue(ExternalTools.findOnPath("mmseqs").isPresent(), "mmseqs is not installed");
        assertAgreesWithTheJavaFallback(new MmseqsSearch(ExternalTools.findOnPath("mmseqs").get(), 1e-3, 2));
    }

    @Test
    void diamondAgreesWithTheJavaFallbackOnGeneratedFamilies() {
        assumeTrue(ExternalTools.findOnPath("diamond").isPresent(), "diamond is not installed");
        assertAgreesWithTheJavaFallback(new DiamondSearch(ExternalTools.findOnPath("diamond").get(), 1e-3, 2));
    }

    /**
     * A tool against the Java fallback on generated families (siblings about 55-60% identical): neither reports a
     * cross-family hit, each finds at least 70% of the same-family pairs at E <= 1e-3, they agree on at least 90% of
     * the pairs the sparser one finds, and where both report a pair the identities agree within 0.1 (different
     * aligners may pick slightly different local alignments).
     */
    private static void assertAgreesWithTheJavaFallback(HomologySearch tool) {
        SyntheticFunctionTask task = SyntheticFunctionTask.generate(11, 6, 6, 4, 0, 0);
        List<SyntheticFunctionTask.Protein> proteins = task.proteins();
        List<String> queries = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<Integer> queryFamily = new ArrayList<>();
        List<Integer> targetFamily = new ArrayList<>();
        for (int i = 0; i < proteins.size(); i++) {
            (i % 3 == 0 ? queries : targets).add(proteins.get(i).sequence());
            (i % 3 == 0 ? queryFamily : targetFamily).add(proteins.get(i).family());
        }
        List<HomologyHit> external = tool.search(queries, targets);
        List<HomologyHit> java = new SmithWatermanSearch(1e-3).search(queries, targets);
        Map<Long, Double> javaIdentity = new HashMap<>();
        int sameFamilyPairs = 0;
        for (int q = 0; q < queries.size(); q++) {
            for (int t = 0; t < targets.size(); t++) {
                if (queryFamily.get(q).equals(targetFamily.get(t))) {
                    sameFamilyPairs++;
                }
            }
        }
        for (HomologyHit h : java) {
            assertEquals(queryFamily.get(h.query()), targetFamily.get(h.target()), "cross-family hit " + h);
            javaIdentity.put((long) h.query() * 1000 + h.target(), h.identity());
        }
        int agreeing = 0;
        for (HomologyHit h : external) {
            assertEquals(queryFamily.get(h.query()), targetFamily.get(h.target()), "cross-family hit " + h);
            Double j = javaIdentity.get((long) h.query() * 1000 + h.target());
            if (j != null) {
                assertEquals(j, h.identity(), 0.1, "identity of " + h);
                agreeing++;
            }
        }
        System.out.printf("same-family pairs %d: %s %d hits, Java %d, both %d%n", sameFamilyPairs, tool.name(),
                external.size(), java.size(), agreeing);
        assertTrue(java.size() >= 0.7 * sameFamilyPairs, java.size() + " of " + sameFamilyPairs + " found by Java");
        assertTrue(external.size() >= 0.7 * sameFamilyPairs, external.size() + " of " + sameFamilyPairs + " by "
                + tool.name());
        assertTrue(agreeing >= 0.9 * Math.min(java.size(), external.size()), agreeing + " pairs found by both");
    }
}
