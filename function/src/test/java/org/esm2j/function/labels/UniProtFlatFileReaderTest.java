package org.esm2j.function.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.function.FunctionTestData;
import org.junit.jupiter.api.Test;

class UniProtFlatFileReaderTest {
    @Test
    void readsTheRealEntries() throws IOException {
        List<UniProtEntry> entries = UniProtFlatFileReader.read(FunctionTestData.swissProt100());
        assertEquals(100, entries.size());

        UniProtEntry first = entries.get(0); // CRU4_ARATH
        assertEquals("P15455", first.accession());
        assertEquals(List.of("Q3E711", "Q56Z11", "Q9FFH7"), first.secondaryAccessions());
        assertEquals(LocalDate.of(1990, 4, 1), first.integrated());
        assertEquals(472, first.sequence().length());
        GoAnnotation storage = first.goAnnotations().get(0);
        assertEquals(new GoAnnotation("P15455", "GO:0000326", "IEA", storage.origin()), storage);
        assertTrue(storage.origin().endsWith(".dat:" + lineOf("GO; GO:0000326; C:protein storage vacuole")),
                storage.origin());

        UniProtEntry g6pd = entries.stream().filter(e -> e.accession().equals("P54996")).findFirst().orElseThrow();
        assertEquals(List.of(EcNumber.parse("1.1.1.49")), g6pd.ecNumbers());
        assertEquals(LocalDate.of(2012, 5, 16), g6pd.lastAnnotated());
        assertEquals(530, g6pd.sequence().length());

        long goLines = Files.readAllLines(FunctionTestData.swissProt100()).stream()
                .filter(l -> l.startsWith("DR   GO;")).count();
        assertEquals(goLines, entries.stream().mapToLong(e -> e.goAnnotations().size()).sum());
    }

    @Test
    void malformedEntriesNameTheLine() {
        String unclosed = "ID   X_HUMAN  Reviewed;  3 AA.\nAC   P00001;\nSQ   SEQUENCE 3 AA;\n     MKV\n";
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> read(unclosed));
        assertEquals("t.dat:1: entry is not closed by '//'", e.getMessage());
        String noAccession = "ID   X_HUMAN  Reviewed;  3 AA.\nDT   01-APR-1990, integrated into UniProtKB.\n//\n";
        assertEquals("t.dat:1: entry has no AC line",
                assertThrows(InvalidInputException.class, () -> read(noAccession)).getMessage());
        String badGo = "ID   X\nAC   P00001;\nDR   GO; nonsense\n//\n";
        assertTrue(assertThrows(InvalidInputException.class, () -> read(badGo)).getMessage().startsWith("t.dat:3:"));
        String badEc = "ID   X\nAC   P00001;\nDE            EC=1.x.1.1;\n//\n";
        assertTrue(assertThrows(InvalidInputException.class, () -> read(badEc)).getMessage().startsWith("t.dat:3:"));
    }

    private static List<UniProtEntry> read(String text) throws IOException {
        return UniProtFlatFileReader.read(new BufferedReader(new StringReader(text)), "t.dat");
    }

    private static int lineOf(String content) throws IOException {
        String line = "DR   " + content + "; IEA:UniProtKB-SubCell.";
        return Files.readAllLines(FunctionTestData.swissProt100()).indexOf(line) + 1;
    }
}
