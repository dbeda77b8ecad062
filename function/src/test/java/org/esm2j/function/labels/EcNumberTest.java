package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.esm2j.function.FunctionTestData;
import org.junit.jupiter.api.Test;

class EcNumberTest {
    @Test
    void completeNumberGivesOneLabelPerLevel() {
        EcNumber ec = EcNumber.parse("1.1.1.49");
        assertEquals(4, ec.depth());
        assertEquals(List.of("EC:1.-.-.-", "EC:1.1.-.-", "EC:1.1.1.-", "EC:1.1.1.49"), ec.levelLabels());
    }

    @Test
    void partialAndPreliminaryNumbers() {
        EcNumber partial = EcNumber.parse("EC 3.4.-.-");
        assertEquals(2, partial.depth());
        assertEquals("3.4.-.-", partial.toString());
        assertEquals(List.of("EC:3.-.-.-", "EC:3.4.-.-"), partial.levelLabels());
        assertEquals(partial, EcNumber.parse("EC:3.4.-.-"));
        assertEquals("EC:3.5.1.n3", EcNumber.parse("3.5.1.n3").label());
    }

    @Test
    void malformedNumbersAreRejected() {
        for (String bad : List.of("1.1.1", "1.-.1.1", "-.-.-.-", "a.1.1.1", "1.1.1.1.1", "1.n1.1.1")) {
            assertThrows(InvalidInputException.class, () -> EcNumber.parse(bad), bad);
        }
    }

    @Test
    void realEntriesAndTsvRowsGiveLabelsPerLevel() {
        ProteinLabels fromEntries = EcLabels.fromEntries(UniProtFlatFileReader.read(FunctionTestData.swissProt100()));
        assertEquals(Set.of("EC:1.-.-.-", "EC:1.1.-.-", "EC:1.1.1.-", "EC:1.1.1.49"), fromEntries.labels("P54996"));

        List<LabelTableReader.Row> rows = List.of(new LabelTableReader.Row("P1", "3.4.-.-", "t.tsv:2"),
                new LabelTableReader.Row("P1", "kinase", "t.tsv:3"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> EcLabels.fromRows(rows, false));
        assertEquals("t.tsv:3: 'kinase' is not an EC number (expected four levels like 1.1.1.1 or 1.1.-.-)",
                e.getMessage());
        assertEquals(Set.of("EC:3.-.-.-", "EC:3.4.-.-"), EcLabels.fromRows(rows, true).labels("P1"));
    }
}
