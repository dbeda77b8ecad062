package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaReader;
import org.esm2j.function.similarity.Mmseqs;
import org.esm2j.function.split.SplitAssignment;
import org.esm2j.io.Json;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code esm2j split} on real UniProt sequences with homolog groups (testdata/function/uniprot_homologs.fasta, see
 * make_uniprot_subset.py): a cluster split must leave far fewer close homologs across train and test than a random
 * split. The k-mer fallback always runs; MMseqs2 where it is installed.
 */
class SplitCommandTest {
    private static final Path HOMOLOGS = Fixtures.root().resolveSibling("function").resolve("uniprot_homologs.fasta");

    @TempDir
    Path tmp;

    @Test
    void clusterSplitWithTheKmerFallbackLeaksLessThanARandomSplit() throws IOException {
        Map<String, Integer> cluster = split("cluster", "kmer");
        Map<String, Integer> random = split("random", "kmer");
        int closeInCluster = atLeast50(cluster);
        int closeInRandom = atLeast50(random);
        assertTrue(closeInRandom >= 10, "a random split should put family members on both sides: " + random);
        assertTrue(closeInCluster * 4 <= closeInRandom, "cluster " + cluster + " vs random " + random);
    }

    /**
     * Slow: each mmseqs run pays a fixed start-up (its k-mer index tables) of several CPU seconds, and this test makes
     * two; the mmseqs wrapper itself is tested in the default suite by SequenceSimilarityTest. Run with
     * {@code -Dgroups=slow -DexcludedGroups=gpu}.
     */
    @Test
    @Tag("slow")
    void clusterSplitWithMmseqsLeaksLessThanARandomSplit() throws IOException {
        assumeTrue(Mmseqs.findOnPath().isPresent(), "mmseqs is not installed (Debian package mmseqs2)");
        Map<String, Integer> cluster = split("cluster", "mmseqs");
        Map<String, Integer> random = split("random", "kmer");
        assertTrue(atLeast50(cluster) * 4 <= atLeast50(random), "cluster " + cluster + " vs random " + random);
    }

    @Test
    void stratifiedFoldsAndTemporalSplitsFromALabelsFile() throws IOException {
        Path fasta = Cli.fasta(tmp, "p.fasta", Map.of("A", "MKV", "B", "MKL", "C", "MKI", "D", "MKW"));
        Path labels = tmp.resolve("labels.tsv");
        Files.writeString(labels, "protein\tterm\tdate\nA\tx\t2020-01-01\nB\tx\t2020-06-01\nC\ty\t2021-01-01\n"
                + "D\ty\t2021-02-01\n");
        Path out = tmp.resolve("folds.tsv");
        Cli.Result r = Cli.run("split", "--fasta", fasta, "--labels", labels, "--method", "stratified", "--folds", 2,
                "--out", out);
        assertEquals(0, r.exitCode(), r::toString);
        SplitAssignment folds = SplitAssignment.read(out);
        assertEquals(Map.of("fold0", 2, "fold1", 2), folds.sizes());
        assertTrue(!folds.splitOf("A").equals(folds.splitOf("B")) && !folds.splitOf("C").equals(folds.splitOf("D")),
                "each label in both folds");

        Cli.Result t = Cli.run("split", "--fasta", fasta, "--labels", labels, "--method", "temporal", "--valid-from",
                "2020-06-01", "--test-from", "2021-01-01", "--out", out);
        assertEquals(0, t.exitCode(), t::toString);
        SplitAssignment temporal = SplitAssignment.read(out);
        assertEquals(List.of("train", "valid", "test", "test"), List.of(temporal.splitOf("A"), temporal.splitOf("B"),
                temporal.splitOf("C"), temporal.splitOf("D")));

        Cli.Result missing = Cli.run("split", "--fasta", fasta, "--method", "temporal", "--out", out);
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("needs --labels"), missing::toString);
    }

    /** Runs a split with a leakage report; returns the report's bin counts after checking the files agree. */
    private Map<String, Integer> split(String method, String tool) throws IOException {
        Path out = tmp.resolve(method + "-" + tool + ".tsv");
        String prefix = tmp.resolve(method + "-" + tool + "-leakage").toString();
        Cli.Result r = Cli.run("split", "--fasta", HOMOLOGS, "--method", method, "--identity", "0.3", "--tool", tool,
                "--uniprot-ids", "--seed", 3, "--out", out, "--leakage", prefix);
        assertEquals(0, r.exitCode(), r::toString);
        SplitAssignment split = SplitAssignment.read(out);
        assertEquals(FastaReader.read(HOMOLOGS).size(), split.proteins().size());
        assertTrue(split.proteins().stream().noneMatch(p -> p.contains("|")), "ids are accessions");
        Map<String, Object> json = Json.parseObject(Files.readString(Path.of(prefix + ".json")));
        assertEquals((long) split.proteinsIn("test").size(), json.get("test_proteins"));
        assertEquals(split.proteinsIn("test").size() + 1, Files.readAllLines(Path.of(prefix + ".tsv")).size());
        Map<String, Integer> bins = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> raw = (Map<String, Object>) json.get("bins_percent_identity");
        raw.forEach((k, v) -> bins.put(k, ((Long) v).intValue()));
        assertEquals(split.proteinsIn("test").size(), bins.values().stream().mapToInt(Integer::intValue).sum());
        return bins;
    }

    private static int atLeast50(Map<String, Integer> bins) {
        return bins.get("50-70") + bins.get("70-90") + bins.get(">=90");
    }
}
