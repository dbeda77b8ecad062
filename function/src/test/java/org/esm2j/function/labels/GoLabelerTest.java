package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.esm2j.function.ontology.GeneOntology;
import org.esm2j.function.ontology.GoNamespace;
import org.junit.jupiter.api.Test;

class GoLabelerTest {
    /** BP root R (1) <- A (2, alt 9); MF root M (3); O (4) obsolete -> A; Q (5) obsolete, two replacements. */
    private static final String OBO = String.join("\n",
            "[Term]", "id: GO:0000001", "name: r", "namespace: biological_process", "",
            "[Term]", "id: GO:0000002", "name: a", "namespace: biological_process", "alt_id: GO:0000009",
            "is_a: GO:0000001", "",
            "[Term]", "id: GO:0000003", "name: m", "namespace: molecular_function", "",
            "[Term]", "id: GO:0000004", "name: o", "namespace: biological_process", "is_obsolete: true",
            "replaced_by: GO:0000002", "",
            "[Term]", "id: GO:0000005", "name: q", "namespace: biological_process", "is_obsolete: true",
            "replaced_by: GO:0000002", "replaced_by: GO:0000001", "");

    @Test
    void mapsFiltersAndPropagates() throws IOException {
        GeneOntology go = GeneOntology.read(new BufferedReader(new StringReader(OBO)), "t.obo");
        List<GoAnnotation> in = List.of(
                new GoAnnotation("P1", "GO:0000009", "IDA", "x:1"), // alt id of A
                new GoAnnotation("P1", "GO:0000003", "IEA", "x:2"), // electronic
                new GoAnnotation("P2", "GO:0000004", "IMP", "x:3"), // obsolete, replaced by A
                new GoAnnotation("P2", "GO:0000005", "IMP", "x:4"), // obsolete, ambiguous
                new GoAnnotation("P3", "GO:0000003", "", "x:5")); // no evidence code: kept
        GoLabeler.Result r = new GoLabeler(go, GoLabeler.Options.defaults()).label(in);
        GoLabeler.Counts c = r.counts();
        assertEquals(List.of(5, 1, 1, 1, 1, 0, 0), List.of(c.annotations(), c.droppedByEvidence(), c.altIdsMapped(),
                c.obsoleteReplaced(), c.obsoleteDropped(), c.unknownSkipped(), c.outsideNamespaces()));
        assertEquals(Set.of("GO:0000002"), r.stated().labels("P1"));
        assertEquals(Set.of("GO:0000002", "GO:0000001"), r.propagated().labels("P2"));
        assertEquals(Set.of("GO:0000003"), r.propagated().labels("P3"));
        assertEquals(4, c.propagatedPairs().get(GoNamespace.BP));

        GoLabeler.Result bpOnly = new GoLabeler(go, new GoLabeler.Options(EvidenceFilter.ALL,
                EnumSet.of(GoNamespace.BP), false)).label(in);
        assertEquals(2, bpOnly.counts().outsideNamespaces());
        assertEquals(Set.of("P1", "P2"), bpOnly.propagated().proteins());
    }

    @Test
    void unknownIdsFailWithTheirOriginOrAreCounted() throws IOException {
        GeneOntology go = GeneOntology.read(new BufferedReader(new StringReader(OBO)), "t.obo");
        List<GoAnnotation> in = List.of(new GoAnnotation("P1", "GO:0000077", "IDA", "f.tsv:12"),
                new GoAnnotation("P1", "GO:0000002", "IDA", "f.tsv:13"));
        assertEquals("f.tsv:12: GO term GO:0000077 is not in the ontology (neither a term id nor an alt_id)",
                assertThrows(InvalidInputException.class,
                        () -> new GoLabeler(go, GoLabeler.Options.defaults()).label(in)).getMessage());
        GoLabeler.Result r = new GoLabeler(go, new GoLabeler.Options(EvidenceFilter.EXPERIMENTAL,
                EnumSet.allOf(GoNamespace.class), true)).label(in);
        assertEquals(1, r.counts().unknownSkipped());
        assertEquals(2, r.propagated().pairCount());
    }

    @Test
    void evidenceFilterParsing() {
        assertEquals(EvidenceFilter.EXPERIMENTAL, EvidenceFilter.parse("experimental"));
        assertEquals(Set.of("IDA", "IMP"), EvidenceFilter.parse("ida, IMP").codes());
        assertThrows(InvalidInputException.class, () -> EvidenceFilter.parse("experimental-ish"));
    }
}
