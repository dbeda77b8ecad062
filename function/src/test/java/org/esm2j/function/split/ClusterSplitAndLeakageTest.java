package org.esm2j.function.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.KmerClusterer;
import org.esm2j.function.similarity.KmerIdentitySearch;
import org.esm2j.function.similarity.SequenceClusters;
import org.esm2j.function.similarity.SyntheticFamilies;
import org.esm2j.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSplitAndLeakageTest {
    /** 20 families x 5 members at 80% identity to their ancestor. */
    private static final List<FastaRecord> FAMILIES = SyntheticFamilies.generate(20, 5, 150, 0.8, 21);
    private static final SplitFractions TRAIN_TEST = SplitFractions.parse("train=0.8,test=0.2");

    @TempDir
    Path tmp;

    @Test
    void wholeClustersGoToOneSideAndTheReportShowsNoCloseHomolog() throws IOException {
        SequenceClusters clusters = new KmerClusterer().cluster(FAMILIES, 0.3);
        SplitAssignment split = ClusterSplitter.split(clusters, TRAIN_TEST, 9);
        for (List<String> members : clusters.clusters().values()) {
            Set<String> parts = new HashSet<>();
            members.forEach(m -> parts.add(split.splitOf(m)));
            assertEquals(1, parts.size(), "cluster " + members + " spans " + parts);
        }
        assertEquals(Map.of("train", 80, "test", 20), split.sizes(), "equal clusters of 5 fill 80/20 exactly");

        LeakageReport clustered = LeakageReport.compute(split, byId(), "train", "test", new KmerIdentitySearch());
        Map<String, Integer> bins = clustered.binCounts();
        assertEquals(20, bins.get("no hit") + bins.get("<30"), bins::toString);

        // the same data split at random: most test proteins have a family member in train at about 64% identity
        LeakageReport random = LeakageReport.compute(RandomSplitter.split(split.proteins(), TRAIN_TEST, 9), byId(),
                "train", "test", new KmerIdentitySearch());
        assertTrue(random.binCounts().get("50-70") + random.binCounts().get("70-90")
                + random.binCounts().get(">=90") >= 15, random.binCounts()::toString);

        Path json = tmp.resolve("leakage.json");
        Path tsv = tmp.resolve("leakage.tsv");
        random.writeJson(json);
        random.writeTsv(tsv);
        Map<String, Object> summary = Json.parseObject(Files.readString(json));
        assertEquals(20L, summary.get("test_proteins"));
        assertEquals(80L, summary.get("train_proteins"));
        assertEquals(21, Files.readAllLines(tsv).size());
    }

    @Test
    void binEdges() {
        assertEquals("no hit", LeakageReport.bin(Double.NaN));
        assertEquals("<30", LeakageReport.bin(29.99));
        assertEquals("30-40", LeakageReport.bin(30));
        assertEquals("50-70", LeakageReport.bin(69.9));
        assertEquals(">=90", LeakageReport.bin(90));
        assertEquals(">=90", LeakageReport.bin(100));
    }

    private static Map<String, FastaRecord> byId() {
        Map<String, FastaRecord> m = new LinkedHashMap<>();
        FAMILIES.forEach(r -> m.put(r.id(), r));
        return m;
    }
}
