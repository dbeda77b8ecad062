package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esm2j labels} against the independent reference of testdata/function/make_go_counts.py. */
class LabelsCommandTest {
    private static final Path DATA = Fixtures.root().resolveSibling("function");
    private static final Path OBO = DATA.resolve("go-basic-2022-07-01.obo.gz");

    @TempDir
    Path tmp;

    @Test
    void uniprotToPropagatedPairsMatchesTheReference() throws IOException {
        Path out = tmp.resolve("labels.tsv");
        Path vocabulary = tmp.resolve("vocabulary.tsv");
        Cli.Result r = Cli.run("labels", "--uniprot", DATA.resolve("uniprot_sprot_100.dat"), "--obo", OBO,
                "--out", out, "--vocabulary", vocabulary);
        assertEquals(0, r.exitCode(), r::toString);
        List<String> expected = Files.readAllLines(DATA.resolve("go_labels_experimental_expected.tsv"));
        List<String> actual = Files.readAllLines(out);
        assertEquals("protein\tterm", actual.get(0));
        assertEquals(new TreeSet<>(expected), new TreeSet<>(actual));
        assertEquals(expected.size(), actual.size());
        assertTrue(r.out().contains("obsolete dropped 5"), r::toString);
        assertTrue(Files.readAllLines(vocabulary).contains("0\tGO:0045735\tnutrient reservoir activity"));
    }

    @Test
    void labelsTsvWithNamespaceFilterAndBadInput() throws IOException {
        Path in = tmp.resolve("in.tsv");
        // mitochondrion (CC) and reproduction given by its alt_id GO:0019952 (BP)
        Files.writeString(in, "protein\tterm\nP1\tGO:0005739\nP2\tGO:0019952\n");
        Path out = tmp.resolve("out.tsv");
        Cli.Result r = Cli.run("labels", "--labels", in, "--obo", OBO, "--namespace", "bp", "--out", out);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(List.of("protein\tterm", "P2\tGO:0000003", "P2\tGO:0008150"), Files.readAllLines(out));

        Files.writeString(in, "protein\tterm\nP1\tGO:0005739\nP2\tGO:9999999\n");
        Cli.Result unknown = Cli.run("labels", "--labels", in, "--obo", OBO, "--out", out);
        assertEquals(3, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains(in + ":3: GO term GO:9999999 is not in the ontology"), unknown::toString);
        Cli.Result skipped = Cli.run("labels", "--labels", in, "--obo", OBO, "--skip-unknown", "--out", out);
        assertEquals(0, skipped.exitCode(), skipped::toString);
        assertTrue(skipped.out().contains("unknown skipped 1"), skipped::toString);

        Cli.Result usage = Cli.run("labels", "--labels", in, "--obo", OBO, "--evidence", "all", "--out", out);
        assertEquals(2, usage.exitCode(), usage::toString);
    }
}
