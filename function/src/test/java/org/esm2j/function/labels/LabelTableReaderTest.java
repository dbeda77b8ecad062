package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;

class LabelTableReaderTest {
    private static final String GOOD = String.join("\n",
            "protein\tterm\tdate",
            "P1\tGO:0000001;GO:0000002\t2020-01-31",
            "P1\tEC:1.1.-.-\t2020-01-31",
            "P2\tkinase\t",
            "",
            "P3\t\t2019-12-01",
            "");

    @Test
    void readsSeveralLabelsPerCellAndPerProtein() throws IOException {
        LabelTableReader.Result r = read(GOOD, false);
        ProteinLabels labels = r.labels();
        assertEquals(List.of("P1", "P2", "P3"), List.copyOf(labels.proteins()));
        assertEquals(Set.of("GO:0000001", "GO:0000002", "EC:1.1.-.-"), labels.labels("P1"));
        assertEquals(Set.of(), labels.labels("P3"));
        assertEquals(Optional.of(LocalDate.of(2020, 1, 31)), labels.date("P1"));
        assertEquals(Optional.empty(), labels.date("P2"));
        assertEquals(4, r.rows().size());
        assertEquals("t.tsv:3", r.rows().get(2).origin());
        assertEquals(Map.of("GO:0000001", 1, "GO:0000002", 1, "EC:1.1.-.-", 1, "kinase", 1), labels.labelCounts());
    }

    @Test
    void badRowsFailWithTheLineOrAreCountedWhenSkipped() throws IOException {
        String bad = GOOD + "P4\n" + "P1\tx\t2021-05-05\n" + "P5\ty\t31/01/2020\n";
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> read(bad, false));
        assertEquals("t.tsv:7: expected at least 3 tab-separated cells, got 1", e.getMessage());
        LabelTableReader.Result skipped = read(bad, true);
        assertEquals(3, skipped.skippedRows());
        assertEquals(3, skipped.labels().proteins().size());
        assertEquals("t.tsv:1: the header must name a 'protein' column and a label column (one of term, label, labels, "
                + "class, ec), got 'id\tgo'",
                assertThrows(InvalidInputException.class, () -> read("id\tgo\nP1\tGO:1\n", false)).getMessage());
    }

    @Test
    void minimumCountKeepsFrequentLabelsAndAllProteins() throws IOException {
        ProteinLabels labels = read("protein\tlabel\nA\tx;y\nB\tx\nC\tz\n", false).labels();
        ProteinLabels kept = labels.withMinimumCount(2);
        assertEquals(Set.of("A", "B", "C"), kept.proteins());
        assertEquals(Set.of("x"), kept.labels("A"));
        assertEquals(Set.of(), kept.labels("C"));
        assertEquals(2, kept.pairCount());
    }

    private static LabelTableReader.Result read(String text, boolean skip) throws IOException {
        return LabelTableReader.read(new BufferedReader(new StringReader(text)), "t.tsv", skip);
    }
}
