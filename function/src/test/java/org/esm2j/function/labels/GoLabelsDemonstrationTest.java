package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeSet;
import org.esm2j.function.FunctionTestData;
import org.esm2j.function.ontology.GeneOntology;
import org.esm2j.function.ontology.GoNamespace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Demonstration 8(a): the 100 real Swiss-Prot entries' GO annotations on the real go-basic ontology, counted per
 * namespace before and after propagation, against an independent count made by testdata/function/make_go_counts.py
 * (standard-library Python, its own OBO and flat-file parsers).
 */
class GoLabelsDemonstrationTest {
    private static GeneOntology ontology;
    private static List<GoAnnotation> annotations;

    @BeforeAll
    static void read() {
        ontology = GeneOntology.read(FunctionTestData.goBasic());
        annotations = new ArrayList<>();
        for (UniProtEntry e : UniProtFlatFileReader.read(FunctionTestData.swissProt100())) {
            annotations.addAll(e.goAnnotations());
        }
    }

    @Test
    void countsPerNamespaceMatchTheIndependentCount() throws IOException {
        List<String> lines = Files.readAllLines(FunctionTestData.dir().resolve("go_counts_expected.tsv"));
        assertEquals(1 + 2 * 3, lines.size(), "expected rows for experimental and all, three namespaces each");
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split("\t");
            EvidenceFilter filter = EvidenceFilter.parse(c[0]);
            GoNamespace ns = GoNamespace.valueOf(c[1]);
            GoLabeler labeler = new GoLabeler(ontology,
                    new GoLabeler.Options(filter, EnumSet.allOf(GoNamespace.class), false));
            GoLabeler.Result r = labeler.label(annotations);
            String where = c[0] + " " + ns;
            assertEquals(Integer.parseInt(c[2]), r.counts().statedPairs().get(ns), where + " stated pairs");
            assertEquals(Integer.parseInt(c[3]), r.counts().propagatedPairs().get(ns), where + " propagated pairs");
            assertEquals(Integer.parseInt(c[4]), proteinsWith(r.stated(), ns), where + " proteins");
            assertEquals(Integer.parseInt(c[5]), r.counts().droppedByEvidence(), where + " dropped by evidence");
            assertEquals(Integer.parseInt(c[6]), r.counts().altIdsMapped(), where + " alt_ids mapped");
            assertEquals(Integer.parseInt(c[7]), r.counts().obsoleteDropped(), where + " obsolete dropped");
            assertEquals(Integer.parseInt(c[8]), r.counts().obsoleteReplaced(), where + " obsolete replaced");
            assertEquals(Integer.parseInt(c[9]), r.counts().unknownSkipped(), where + " unknown");
        }
    }

    /** Not only the counts: the very pairs, so a wrong ancestor swapped for a missing one cannot pass. */
    @Test
    void experimentalPairsMatchTheIndependentPairs(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        GoLabeler.Result r = new GoLabeler(ontology, GoLabeler.Options.defaults()).label(annotations);
        Path written = tmp.resolve("labels.tsv");
        r.propagated().writeTsv(written);
        List<String> expected = Files.readAllLines(FunctionTestData.dir().resolve(
                "go_labels_experimental_expected.tsv"));
        List<String> actual = Files.readAllLines(written);
        assertEquals(expected.get(0), actual.get(0), "header");
        TreeSet<String> missing = new TreeSet<>(expected.subList(1, expected.size()));
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual.subList(1, actual.size()));
        expected.forEach(extra::remove);
        assertEquals(List.of(), new ArrayList<>(missing), "pairs missing from the Java output");
        assertEquals(List.of(), new ArrayList<>(extra), "pairs the independent count does not have");
        assertEquals(expected.size(), actual.size(), "no duplicate pairs");
    }

    private static int proteinsWith(ProteinLabels labels, GoNamespace ns) {
        int n = 0;
        for (String p : labels.proteins()) {
            if (labels.labels(p).stream().anyMatch(id -> ontology.term(id).orElseThrow().namespace() == ns)) {
                n++;
            }
        }
        return n;
    }
}
