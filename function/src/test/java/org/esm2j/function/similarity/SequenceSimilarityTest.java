package org.esm2j.function.similarity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.esm2j.data.FastaRecord;
import org.junit.jupiter.api.Test;

/** Clustering and identity search, the k-mer fallback always and MMseqs2 where it is installed. */
class SequenceSimilarityTest {
    /** 12 families x 5 members, members 70% identical to their ancestor (about 49% to each other). */
    private static final List<FastaRecord> FAMILIES = SyntheticFamilies.generate(12, 5, 200, 0.7, 7);

    @Test
    void kmerEstimateOfAnUngappedCopyIsExact() {
        Random random = new Random(3);
        char[] a = SyntheticFamilies.generate(1, 1, 300, 1, 11).get(0).sequence().toCharArray();
        char[] b = SyntheticFamilies.mutate(a, 0.45, random);
        KmerIdentityEstimator index = new KmerIdentityEstimator();
        index.add("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW");
        index.add("MKV" + new String(b)); // shifted by three: found on diagonal -3
        KmerIdentityEstimator.Estimate e = index.best(new String(a));
        assertNotNull(e);
        assertEquals(1, e.target());
        int matches = 0;
        for (int i = 0; i < a.length; i++) {
            matches += a[i] == b[i] ? 1 : 0;
        }
        assertEquals((double) matches / a.length, e.identity(), 1e-12);
        assertNull(new KmerIdentityEstimator().best(new String(a)), "an empty index has no hit");
    }

    @Test
    void kmerFallbackRecoversTheFamilies() {
        assertRecoversFamilies(new KmerClusterer().cluster(FAMILIES, 0.4));
        SequenceClusters strict = new KmerClusterer().cluster(FAMILIES, 0.95);
        assertEquals(FAMILIES.size(), strict.clusterCount(), "at 95% every mutated member stands alone");
        assertNearestIsOwnFamily(new KmerIdentitySearch());
    }

    /**
     * One clustering and one search (mmseqs starts slowly). Ids like sp|P12345|NAME must come back unchanged although
     * mmseqs itself shortens them.
     */
    @Test
    void mmseqsRecoversTheFamilies() {
        assumeTrue(Mmseqs.findOnPath().isPresent(), "mmseqs is not installed (Debian package mmseqs2)");
        SimilarityBackend mmseqs = SimilarityBackend.mmseqs(Mmseqs.findOnPath().get(), 2, 0.8);
        List<FastaRecord> uniProtStyle = FAMILIES.stream()
                .map(r -> new FastaRecord("sp|" + r.id() + "|X_HUMAN", "", r.sequence())).toList();
        assertRecoversFamilies(mmseqs.clusterer().cluster(uniProtStyle, 0.4));
        assertNearestIsOwnFamily(mmseqs.search());
    }

    private static void assertRecoversFamilies(SequenceClusters clusters) {
        assertEquals(FAMILIES.size(), clusters.proteinCount());
        assertEquals(12, clusters.clusterCount(), clusters.clusters()::toString);
        for (List<String> members : clusters.clusters().values()) {
            String family = familyOf(members.get(0));
            assertTrue(members.stream().allMatch(m -> familyOf(m).equals(family)), members::toString);
        }
    }

    private static String familyOf(String id) {
        return id.replaceFirst("^sp\\|", "").split("_")[0];
    }

    /**
     * Ancestors searched against the other members: the best hit is a member of the same family, at 70% identity
     * (up to 76% for a local alignment, which may leave out mismatching ends).
     */
    private static void assertNearestIsOwnFamily(IdentitySearch search) {
        List<FastaRecord> ancestors = FAMILIES.stream().filter(r -> r.id().endsWith("_m0")).toList();
        List<FastaRecord> members = FAMILIES.stream().filter(r -> !r.id().endsWith("_m0")).toList();
        Map<String, IdentitySearch.Hit> hits = new HashMap<>(search.bestHits(ancestors, members));
        assertEquals(ancestors.size(), hits.size(), search.method());
        hits.forEach((q, h) -> {
            assertEquals(familyOf(q), familyOf(h.target()), q + " -> " + h);
            assertTrue(h.identity() >= 0.695 && h.identity() <= 0.76, q + " -> " + h + " (" + search.method() + ")");
        });
    }
}
