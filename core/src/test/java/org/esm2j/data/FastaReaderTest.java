package org.esm2j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FastaReaderTest {
    @TempDir
    Path dir;

    private static List<FastaRecord> parse(String text) {
        return FastaReader.read(new StringReader(text), "test.fasta");
    }

    private static String errorOf(String text) {
        return assertThrows(InvalidInputException.class, () -> parse(text)).getMessage();
    }

    @Test
    void forEachHandsOverEachRecordBeforeReadingTheNextAndStopsAtAnError() throws IOException {
        Path file = Files.writeString(dir.resolve("s.fasta"), ">a\nMK\nT\n>b\nGG\n>a\nW\n");
        List<String> seen = new java.util.ArrayList<>();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> FastaReader.forEach(file,
                r -> seen.add(r.id() + "=" + r.sequence())));
        // a and b were delivered whole before the duplicate on line 6 was found.
        assertEquals(List.of("a=MKT", "b=GG"), seen);
        assertTrue(e.getMessage().startsWith(file + ":6: duplicate id 'a'"), e.getMessage());
    }

    @Test
    void multiLineRecordsWithDescriptionsAndBlankLines() {
        List<FastaRecord> records = parse("\n>sp|P1|A first protein\nMKT\n  AYI \n\n>P2\nkaL\n\n");
        assertEquals(List.of(new FastaRecord("sp|P1|A", "first protein", "MKTAYI"), new FastaRecord("P2", "", "kaL")),
                records);
    }

    @Test
    void crlfLineEndsAndByteOrderMark() {
        List<FastaRecord> records = parse("\uFEFF>a desc\r\nMK\r\nTA\r\n\r\n>b\r\nG\r\n");
        assertEquals(List.of(new FastaRecord("a", "desc", "MKTA"), new FastaRecord("b", "", "G")), records);
    }

    @Test
    void lowercaseAndStopAreKeptForTheAlphabetToJudge() {
        FastaRecord r = parse(">x\nmkta*\n").get(0);
        assertEquals("mkta*", r.sequence());
        assertEquals(4, Alphabet.encode("mkta", r.id(), UnknownResiduePolicy.ERROR).length);
        String message = assertThrows(InvalidInputException.class,
                () -> Alphabet.encode(r.sequence(), r.id(), UnknownResiduePolicy.ERROR)).getMessage();
        assertTrue(message.contains("'x'") && message.contains("'*' at position 5"), message);
    }

    @Test
    void emptyHeaderIsNamedLikeFairEsm() {
        // fair-esm: f"seqnum{line_idx:09d}" with the 0-based index of the header line.
        List<FastaRecord> records = parse(">a\nMK\n>\nGG\n>   \nLL\n");
        assertEquals("seqnum000000002", records.get(1).id());
        assertEquals("seqnum000000004", records.get(2).id());
        assertEquals("", records.get(1).description());
    }

    @Test
    void headerWithLeadingSpaceTakesTheFirstWord() {
        assertEquals(new FastaRecord("id", "rest of it", "M"), parse(">  id \t rest of it \nM\n").get(0));
    }

    @Test
    void duplicateIdNamesBothLines() {
        String message = errorOf(">a\nMK\n>b\nGG\n>a other\nLL\n");
        assertTrue(message.contains("test.fasta:5"), message);
        assertTrue(message.contains("duplicate id 'a'"), message);
        assertTrue(message.contains("line 1"), message);
    }

    @Test
    void sequenceBeforeHeaderNamesTheLine() {
        String message = errorOf("\n\nMKT\n>a\nMK\n");
        assertTrue(message.startsWith("test.fasta:3:"), message);
        assertTrue(message.contains("before the first '>'"), message);
    }

    @Test
    void emptyRecordNamesTheId() {
        String message = errorOf(">a\nMK\n>empty desc\n\n>c\nLL\n");
        assertTrue(message.contains("test.fasta:3"), message);
        assertTrue(message.contains("'empty'"), message);
        assertTrue(errorOf(">a\nMK\n>last\n").contains("'last'"));
    }

    @Test
    void fileWithoutRecordsIsAnError() {
        assertTrue(errorOf("\n \n").contains("no records"));
        assertTrue(errorOf("").contains("no records"));
    }

    @Test
    void plainAndGzipFilesDetectedByMagicBytes() throws IOException {
        String text = ">a first\r\nMKTA\r\nYI\r\n>b\nGSH\n";
        List<FastaRecord> expected = List.of(new FastaRecord("a", "first", "MKTAYI"), new FastaRecord("b", "", "GSH"));

        Path plain = dir.resolve("plain.fa.gz"); // misleading name: content decides
        Files.writeString(plain, text, StandardCharsets.UTF_8);
        assertEquals(expected, FastaReader.read(plain));

        Path gz = dir.resolve("compressed.fasta"); // no .gz suffix
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(expected, FastaReader.read(gz));
        assertEquals(expected, FastaReader.read(Files.newInputStream(gz), "standard input"));
        assertEquals(expected, FastaReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                "standard input"));
    }

    /** A FIFO is not seekable: read through it as through a pipe from another process. */
    @Test
    void aFifoIsReadLikeAFile() throws Exception {
        Path fifo = dir.resolve("in.fifo");
        Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "no mkfifo");
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, ">a\nMKT\n>b\nGG\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.start();
        assertEquals(List.of(new FastaRecord("a", "", "MKT"), new FastaRecord("b", "", "GG")), FastaReader.read(fifo));
        writer.join();
    }

    @Test
    void fileErrorsNameTheFile() throws IOException {
        Path missing = dir.resolve("missing.fasta");
        String message = assertThrows(InvalidInputException.class, () -> FastaReader.read(missing)).getMessage();
        assertTrue(message.contains(missing.toString()) && message.contains("does not exist"), message);

        Path bad = dir.resolve("bad.fasta");
        Files.writeString(bad, ">a\nMK\n>a\nGG\n");
        message = assertThrows(InvalidInputException.class, () -> FastaReader.read(bad)).getMessage();
        assertTrue(message.startsWith(bad + ":3:"), message);

        Path truncatedGzip = dir.resolve("truncated.gz");
        Files.write(truncatedGzip, new byte[] {0x1f, (byte) 0x8b, 8, 0});
        message = assertThrows(InvalidInputException.class, () -> FastaReader.read(truncatedGzip)).getMessage();
        assertTrue(message.contains(truncatedGzip.toString()), message);
    }
}
