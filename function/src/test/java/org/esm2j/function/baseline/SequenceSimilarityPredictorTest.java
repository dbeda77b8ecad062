package org.esm2j.function.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.external.ExternalProgram;
import org.esm2j.function.similarity.IdentitySearch;
import org.esm2j.function.similarity.Mmseqs;
import org.esm2j.function.similarity.SimilarityBackend;
import org.esm2j.function.synthetic.SyntheticFunctionTask;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class SequenceSimilarityPredictorTest {
    /** A search that returns fixed best hits, so the scoring rule is checked alone. */
    private static IdentitySearch fixed(Map<String, IdentitySearch.Hit> hits) {
        return new IdentitySearch() {
            @Override
            public Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets) {
                return hits;
            }

            @Override
            public String method() {
                return "fixed";
            }
        };
    }

    private static List<FastaRecord> records(String... ids) {
        List<FastaRecord> out = new ArrayList<>();
        for (String id : ids) {
            out.add(new FastaRecord(id, "", "ACDEFGHIK"));
        }
        return out;
    }

    @Test
    void queriesTakeTheirBestHitsTermsWeightedByIdentity() {
        boolean[][] labels = {{true, false, false}, {true, true, false}, {false, false, true}};
        Map<String, IdentitySearch.Hit> hits = Map.of("x", new IdentitySearch.Hit("t0", 0.9),
                "z", new IdentitySearch.Hit("t1", 0.6));
        SequenceSimilarityPredictor p = SequenceSimilarityPredictor.fit(records("t0", "t1", "t2"), labels,
                fixed(hits));
        float[][] s = p.predict(records("x", "y", "z"));
        assertArrayEquals(new float[] {0.9f, 0f, 0f}, s[0]);
        assertArrayEquals(new float[] {0f, 0f, 0f}, s[1], "no hit, no terms");
        assertArrayEquals(new float[] {0.6f, 0.6f, 0f}, s[2]);
    }

    @Test
    void naiveBaselineScoresTermFrequencies() {
        boolean[][] labels = {{true, false}, {true, true}, {false, false}, {true, false}};
        float[][] s = NaiveFrequencyPredictor.fit(labels).predict(2);
        assertArrayEquals(new float[] {0.75f, 0.25f}, s[0]);
        assertArrayEquals(s[0], s[1]);
    }

    /**
     * MMseqs2 (through the similarity package's search) against the Java fallback; slow only because MMseqs2 builds
     * its full k-mer index (10-20 s on the loaded development machine).
     */
    @Test
    @Tag("slow")
    void mmseqsAgreesWithTheJavaFallbackOnGeneratedFamilies() {
        assumeTrue(Mmseqs.findOnPath().isPresent(), "mmseqs is not installed");
        assertAgreesWithTheJavaFallback(SimilarityBackend.mmseqs(Mmseqs.findOnPath().get(), 2,
                SimilarityBackend.DEFAULT_COVERAGE).search());
    }

    @Test
    void diamondAgreesWithTheJavaFallbackOnGeneratedFamilies() {
        assumeTrue(ExternalProgram.findOnPath("diamond").isPresent(), "diamond is not installed");
        assertAgreesWithTheJavaFallback(new DiamondSearch(ExternalProgram.findOnPath("diamond").get(), 1e-3, 2));
    }

    /**
     * A tool against the Java fallback on generated families (siblings about 55-60% identical): every best hit is in
     * the query's own family, each search finds a best hit for at least 80% of the queries, and where both do, the
     * best identities agree within 0.1 (aligners pick slightly different local alignments, and may prefer another
     * sibling of nearly the same identity).
     */
    private static void assertAgreesWithTheJavaFallback(IdentitySearch tool) {
        SyntheticFunctionTask task = SyntheticFunctionTask.generate(11, 6, 6, 4, 0, 0);
        List<FastaRecord> queries = new ArrayList<>();
        List<FastaRecord> targets = new ArrayList<>();
        Map<String, Integer> family = new HashMap<>();
        for (int i = 0; i < task.proteins().size(); i++) {
            SyntheticFunctionTask.Protein p = task.proteins().get(i);
            (i % 3 == 0 ? queries : targets).add(new FastaRecord(p.id(), "", p.sequence()));
            family.put(p.id(), p.family());
        }
        Map<String, IdentitySearch.Hit> external = tool.bestHits(queries, targets);
        Map<String, IdentitySearch.Hit> java = new SmithWatermanSearch(1e-3).bestHits(queries, targets);
        int both = 0;
        for (FastaRecord q : queries) {
            for (Map<String, IdentitySearch.Hit> hits : List.of(external, java)) {
                IdentitySearch.Hit h = hits.get(q.id());
                if (h != null) {
                    assertEquals(family.get(q.id()), family.get(h.target()), q.id() + " best hit " + h);
                }
            }
            if (external.containsKey(q.id()) && java.containsKey(q.id())) {
                assertEquals(java.get(q.id()).identity(), external.get(q.id()).identity(), 0.1, q.id());
                both++;
            }
        }
        System.out.printf("%d queries: %s best hits %d, Java %d, both %d%n", queries.size(), tool.method(),
                external.size(), java.size(), both);
        assertTrue(external.size() >= 0.8 * queries.size(), external.size() + " of " + queries.size());
        assertTrue(java.size() >= 0.8 * queries.size(), java.size() + " of " + queries.size());
    }
}
