package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelVocabularyTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsLabelsNamesAndOrder() {
        LabelVocabulary v = LabelVocabulary.of(List.of("GO:0005739", "EC:1.1.-.-", "kinase"),
                l -> l.equals("GO:0005739") ? "mitochondrion" : l);
        Path file = tmp.resolve("vocabulary.tsv");
        v.write(file);
        LabelVocabulary back = LabelVocabulary.read(file);
        assertEquals(v.labels(), back.labels());
        assertEquals("mitochondrion", back.name(0));
        assertEquals(1, back.indexOf("EC:1.1.-.-"));
        assertEquals(-1, back.indexOf("GO:0000001"));
    }

    @Test
    void damagedFileNamesTheLine() throws IOException {
        Path file = tmp.resolve("v.tsv");
        Files.writeString(file, "index\tlabel\tname\n0\ta\tA\n2\tb\tB\n");
        assertEquals(file + ":3: expected '1<TAB>label<TAB>name', got '2\tb\tB'",
                assertThrows(InvalidInputException.class, () -> LabelVocabulary.read(file)).getMessage());
        Files.writeString(file, "index\tlabel\tname\n0\ta\tA\n1\ta\tB\n");
        assertThrows(InvalidInputException.class, () -> LabelVocabulary.read(file));
    }
}
