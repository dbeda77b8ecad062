package org.esm2j.function.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnnotationTsvTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("t.tsv");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void columnsAreFoundByHeaderName() throws IOException {
        // predict's layout: protein, term, name, score, predicted.
        Path file = write("protein\tterm\tname\tscore\tpredicted\n# comment\nP1\tGO:1\tkinase\t0.75\ttrue\n\n"
                + "P1\tGO:2\tx\t1e-3\tfalse\n");
        Map<String, Map<String, Double>> p = AnnotationTsv.readPredictions(file);
        assertEquals(Map.of("P1", Map.of("GO:1", 0.75, "GO:2", 0.001)), p);
        Path truth = write("term\tprotein\nGO:1\tP1\nGO:1\tP1\nGO:3\tP2\n");
        assertEquals(Map.of("P1", Set.of("GO:1"), "P2", Set.of("GO:3")), AnnotationTsv.readAnnotations(truth));
    }

    @Test
    void binsAndThresholds() throws IOException {
        assertEquals(Map.of("P1", "<30%", "P2", ">50%"), AnnotationTsv.readBins(write("protein\tbin\nP1\t<30%\n"
                + "P2\t>50%\nP1\t<30%\n")));
        Path conflict = write("protein\tbin\nP1\t<30%\nP1\t>50%\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readBins(conflict));
        assertTrue(e.getMessage().contains("line 3: protein P1 is in bin <30% and in bin >50%"), e.getMessage());
        Path twice = write("term\tthreshold\nGO:1\t0.3\nGO:1\t0.4\n");
        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readThresholds(twice));
        assertTrue(e.getMessage().contains("line 3: term GO:1 has a second threshold"), e.getMessage());
    }

    @Test
    void badRowsNameFileAndLine() throws IOException {
        Path file = write("protein\tterm\tscore\nP1\tGO:1\t0.5\nP1\tGO:2\thigh\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readPredictions(file));
        assertTrue(e.getMessage().contains(file + ", line 3") && e.getMessage().contains("'high'"), e.getMessage());

        Path twice = write("protein\tterm\tscore\nP1\tGO:1\t0.5\nP1\tGO:1\t0.6\n");
        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readPredictions(twice));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("scored twice"), e.getMessage());

        Path shortRow = write("protein\tterm\tscore\nP1\tGO:1\n");
        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readPredictions(shortRow));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());

        Path nan = write("protein\tterm\tscore\nP1\tGO:1\tNaN\n");
        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readPredictions(nan));
        assertTrue(e.getMessage().contains("not finite"), e.getMessage());

        Path noHeader = write("P1\tGO:1\n");
        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readAnnotations(noHeader));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("'protein'"), e.getMessage());

        Path empty = write("protein\tterm\n\tGO:1\n");
        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readAnnotations(empty));
        assertTrue(e.getMessage().contains("line 2: empty protein"), e.getMessage());

        e = assertThrows(InvalidInputException.class, () -> AnnotationTsv.readAnnotations(dir.resolve("none.tsv")));
        assertTrue(e.getMessage().contains("none.tsv does not exist"), e.getMessage());
    }
}
