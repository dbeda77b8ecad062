package org.esm2j.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MutationListReader} and {@link ScoreTsvWriter}. */
class MutationFilesTest {
    @TempDir
    Path dir;

    private List<MutationSet> read(String content, int offset) throws IOException {
        Path file = dir.resolve("mutations.txt");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return MutationListReader.read(file, offset);
    }

    private static List<String> texts(List<MutationSet> sets) {
        return sets.stream().map(MutationSet::text).toList();
    }

    @Test
    void plainListSkipsCommentsAndBlankLines() throws IOException {
        List<MutationSet> sets = read("# variants of GFP\n\nA42G\n  K50R:A42V  \r\n# end\n", 1);
        assertEquals(List.of("A42G", "K50R:A42V"), texts(sets));
        assertEquals(41, sets.get(0).mutations().get(0).index());
    }

    @Test
    void offsetIsApplied() throws IOException {
        assertEquals(42, read("A42G\n", 0).get(0).mutations().get(0).index());
    }

    @Test
    void tsvHeaderIsSkippedAndTheFirstColumnRead() throws IOException {
        List<MutationSet> sets = read("mutant\tDMS_score\nA42G\t0.5\n# skipped\nK50R:A42V\t-1.2\n", 1);
        assertEquals(List.of("A42G", "K50R:A42V"), texts(sets));
    }

    @Test
    void proteinGymStyleCsvIsRead() throws IOException {
        List<MutationSet> sets = read("\uFEFFmutant,mutated_sequence,DMS_score\nA42G,MKTAYG,0.5\n\"K50R\",MKR,1\n", 1);
        assertEquals(List.of("A42G", "K50R"), texts(sets));
    }

    @Test
    void errorsNameFileAndLine() throws IOException {
        InvalidInputException bad = assertThrows(InvalidInputException.class, () -> read("A42G\n\nA4x2G\n", 1));
        assertTrue(bad.getMessage().contains("mutations.txt:3:") && bad.getMessage().contains("'A4x2G'"),
                bad.getMessage());
        InvalidInputException emptyColumn = assertThrows(InvalidInputException.class,
                () -> read("mutant,score\n,1.0\n", 1));
        assertTrue(emptyColumn.getMessage().contains("mutations.txt:2:"), emptyColumn.getMessage());
        InvalidInputException empty = assertThrows(InvalidInputException.class, () -> read("# nothing\n\n", 1));
        assertTrue(empty.getMessage().contains("holds no mutations"), empty.getMessage());
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> MutationListReader.read(dir.resolve("absent.txt"), 1));
        assertTrue(missing.getMessage().contains("absent.txt"), missing.getMessage());
    }

    @Test
    void tsvHasHeaderAndOneLinePerMutationInInputOrder() throws IOException {
        Path out = dir.resolve("out/scores.tsv");
        List<MutationSet> sets = List.of(MutationSet.parse("K50R:A42V"), MutationSet.parse("a42g"));
        ScoreTsvWriter.write(out, sets, List.of(-1.25, 3.0000004));
        assertEquals(List.of("mutation\tscore", "K50R:A42V\t-1.250000", "a42g\t3.000000"), Files.readAllLines(out));
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of(out), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void writerRejectsMismatchedLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> ScoreTsvWriter.write(dir.resolve("x.tsv"), List.of(MutationSet.parse("A1G")), List.of()));
    }
}
