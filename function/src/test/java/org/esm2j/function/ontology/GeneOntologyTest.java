package org.esm2j.function.ontology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.esm2j.InvalidInputException;
import org.esm2j.function.FunctionTestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneOntologyTest {
    /**
     * A hand-made ontology: root R; A is_a R; B is_a A and part_of C; C is_a R; D regulates B (not followed);
     * E alt_id E2; O obsolete, replaced by A.
     */
    private static final String SMALL = String.join("\n",
            "format-version: 1.2",
            "data-version: test/1",
            "",
            "[Typedef]",
            "id: part_of",
            "name: part of",
            "",
            "[Term]",
            "id: GO:0000001",
            "name: root",
            "namespace: biological_process",
            "",
            "[Term]",
            "id: GO:0000002",
            "name: a",
            "namespace: biological_process",
            "is_a: GO:0000001 ! root",
            "",
            "[Term]",
            "id: GO:0000003",
            "name: b",
            "namespace: biological_process",
            "is_a: GO:0000002 ! a",
            "relationship: part_of GO:0000004 ! c",
            "",
            "[Term]",
            "id: GO:0000004",
            "name: c",
            "namespace: biological_process",
            "is_a: GO:0000001",
            "",
            "[Term]",
            "id: GO:0000005",
            "name: d",
            "namespace: biological_process",
            "is_a: GO:0000001",
            "relationship: regulates GO:0000003",
            "",
            "[Term]",
            "id: GO:0000006",
            "name: e",
            "namespace: molecular_function",
            "alt_id: GO:0000099",
            "",
            "[Term]",
            "id: GO:0000007",
            "name: obsolete o",
            "namespace: biological_process",
            "is_obsolete: true",
            "replaced_by: GO:0000002",
            "consider: GO:0000004",
            "");

    @TempDir
    Path tmp;

    @Test
    void followsIsAAndPartOfButNotRegulates() throws IOException {
        GeneOntology go = readText(SMALL);
        assertEquals(Set.of("GO:0000003", "GO:0000002", "GO:0000004", "GO:0000001"), go.ancestors("GO:0000003"));
        assertEquals(Set.of("GO:0000005", "GO:0000001"), go.ancestors("GO:0000005"));
        assertEquals(Set.of("GO:0000002", "GO:0000001", "GO:0000005"),
                go.propagate(List.of("GO:0000002", "GO:0000005")));
        assertEquals("test/1", go.dataVersion());
    }

    @Test
    void altIdResolvesToThePrimaryTerm() throws IOException {
        GeneOntology go = readText(SMALL);
        GoTerm e = go.term("GO:0000099").orElseThrow();
        assertEquals("GO:0000006", e.id());
        assertEquals(GoNamespace.MF, e.namespace());
        assertEquals(Set.of("GO:0000006"), go.ancestors("GO:0000099"));
        assertTrue(go.term("GO:1234567").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> go.ancestors("GO:1234567"));
    }

    @Test
    void obsoleteTermKeepsItsReplacements() throws IOException {
        GoTerm o = readText(SMALL).term("GO:0000007").orElseThrow();
        assertTrue(o.obsolete());
        assertEquals(List.of("GO:0000002"), o.replacedBy());
        assertEquals(List.of("GO:0000004"), o.consider());
    }

    @Test
    void readsGzipByItsMagicBytes() throws IOException {
        Path gz = tmp.resolve("small.obo"); // no .gz suffix on purpose
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(SMALL.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(7, GeneOntology.read(gz).terms().size());
    }

    @Test
    void unknownParentIsAnErrorNamingFileAndLine() throws IOException {
        String text = SMALL.replace("is_a: GO:0000001 ! root", "is_a: GO:0000777 ! missing");
        Path file = tmp.resolve("bad.obo");
        Files.writeString(file, text);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> GeneOntology.read(file));
        int line = List.of(text.split("\n")).indexOf("is_a: GO:0000777 ! missing") + 1;
        assertTrue(e.getMessage().contains(file + ":" + line + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("GO:0000777"), e.getMessage());
    }

    @Test
    void duplicateIdAndMissingNamespaceAreErrors() {
        String duplicate = SMALL + "\n[Term]\nid: GO:0000004\nname: again\nnamespace: biological_process\n";
        assertTrue(assertThrows(InvalidInputException.class, () -> readText(duplicate)).getMessage()
                .contains("duplicate term id GO:0000004"));
        String noNamespace = SMALL + "\n[Term]\nid: GO:0000008\nname: lost\n";
        assertTrue(assertThrows(InvalidInputException.class, () -> readText(noNamespace)).getMessage()
                .contains("has no namespace"));
        assertThrows(InvalidInputException.class, () -> GeneOntology.read(tmp.resolve("absent.obo")));
    }

    /** Counts stated for this release in the data's provenance (testdata/function/README.md). */
    @Test
    void realGoBasicHasTheDocumentedTermCounts() {
        GeneOntology go = GeneOntology.read(FunctionTestData.goBasic());
        Map<GoNamespace, Integer> live = new EnumMap<>(GoNamespace.class);
        int obsolete = 0;
        for (GoTerm t : go.terms()) {
            if (t.obsolete()) {
                obsolete++;
            } else {
                live.merge(t.namespace(), 1, Integer::sum);
            }
        }
        assertEquals(Map.of(GoNamespace.BP, 28_140, GoNamespace.MF, 11_238, GoNamespace.CC, 4_180), live);
        assertEquals(3_910, obsolete);
        assertEquals("releases/2022-07-01", go.dataVersion());

        // mitochondrion: is_a intracellular membrane-bounded organelle, part_of cytoplasm, under the CC root only
        Set<String> mito = go.ancestors("GO:0005739");
        assertTrue(mito.containsAll(Set.of("GO:0005739", "GO:0043231", "GO:0005737", GoNamespace.CC.rootId())),
                mito::toString);
        assertFalse(mito.contains(GoNamespace.BP.rootId()));
        for (GoTerm t : go.terms()) {
            if (!t.obsolete()) {
                assertTrue(go.ancestors(t.id()).contains(t.namespace().rootId()), t.id() + " does not reach its root");
            }
        }
        // reproduction's alt_id
        assertEquals("GO:0000003", go.term("GO:0019952").orElseThrow().id());
    }

    private static GeneOntology readText(String text) throws IOException {
        return GeneOntology.read(new java.io.BufferedReader(new java.io.StringReader(text)), "test.obo");
    }
}
