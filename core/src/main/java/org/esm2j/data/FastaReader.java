package org.esm2j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.esm2j.InvalidInputException;
import org.esm2j.io.TextInput;

/**
 * Reads FASTA files: multi-line sequences, headers with descriptions, blank lines, CRLF line ends, a UTF-8 byte-order
 * mark, and gzip-compressed files (recognised by their magic bytes, whatever the file name).
 *
 * <p>Rules, following fair-esm's {@code FastaBatchedDataset.from_file} where it has one:
 * <ul>
 *   <li>A header with no id ({@code ">"} alone) gets {@code seqnum} + the 0-based index of its line, 9 digits
 *       ({@code seqnum000000004}), exactly as fair-esm labels it, so output file names agree.</li>
 *   <li>Sequence lines are stripped of surrounding whitespace and concatenated; nothing else is removed. A trailing
 *       {@code *} (stop codon) is not stripped, as in fair-esm: it reaches {@link Alphabet#encode} as an unknown
 *       character and the {@link UnknownResiduePolicy} decides.</li>
 *   <li>Errors (a sequence line before the first header, a duplicate id, a record without residues, a file without
 *       records) name the source and the 1-based line.</li>
 * </ul>
 */
public final class FastaReader {
    private FastaReader() {
    }

    /** Reads a FASTA file, plain or gzip-compressed; pipes and other non-seekable files are read once, in order. */
    public static List<FastaRecord> read(Path path) {
        List<FastaRecord> records = new ArrayList<>();
        forEach(path, records::add);
        return records;
    }

    /**
     * Streams a FASTA file (plain or gzip-compressed) record by record to {@code sink}, holding one record at a time
     * (plus the ids seen, to refuse duplicates), so files of any size can be processed. The same rules and errors as
     * {@link #read(Path)}; an error stops the stream where it occurs, after the records before it were delivered.
     */
    public static void forEach(Path path, Consumer<FastaRecord> sink) {
        try (InputStream in = TextInput.openMaybeGzip(path);
                Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            parse(reader, path.toString(), sink);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("FASTA file " + path + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read FASTA file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads FASTA from a stream (standard input, say), plain or gzip-compressed; {@code sourceName} is used in error
     * messages. The stream is read to its end and not closed.
     */
    public static List<FastaRecord> read(InputStream stream, String sourceName) {
        try {
            InputStream in = TextInput.maybeGunzip(stream);
            return read(new InputStreamReader(in, StandardCharsets.UTF_8), sourceName);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read FASTA " + sourceName + ": " + e.getMessage(), e);
        }
    }

    /** Reads FASTA text; {@code sourceName} is used in error messages. */
    public static List<FastaRecord> read(Reader reader, String sourceName) {
        List<FastaRecord> records = new ArrayList<>();
        parse(reader, sourceName, records::add);
        return records;
    }

    private static void parse(Reader reader, String sourceName, Consumer<FastaRecord> sink) {
        Parser parser = new Parser(sourceName, sink);
        BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                parser.accept(line);
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read FASTA " + sourceName + " after line " + parser.lineNumber
                    + ": " + e.getMessage(), e);
        }
        parser.finish();
    }

    /** Line-by-line state: the record being collected and the ids seen so far. */
    private static final class Parser {
        private final String sourceName;
        private final Consumer<FastaRecord> sink;
        private int records;
        private final Map<String, Integer> headerLineOfId = new HashMap<>();
        private int lineNumber; // 1-based number of the line being parsed
        private String id;
        private String description;
        private int headerLine;
        private StringBuilder sequence;

        Parser(String sourceName, Consumer<FastaRecord> sink) {
            this.sourceName = sourceName;
            this.sink = sink;
        }

        void accept(String rawLine) {
            lineNumber++;
            String line = lineNumber == 1 && rawLine.startsWith("\uFEFF") ? rawLine.substring(1) : rawLine;
            if (line.startsWith(">")) {
                flush();
                startRecord(line.substring(1).strip());
                return;
            }
            String residues = line.strip();
            if (residues.isEmpty()) {
                return;
            }
            if (id == null) {
                throw error(lineNumber, "sequence data before the first '>' header");
            }
            sequence.append(residues);
        }

        void finish() {
            flush();
            if (records == 0) {
                throw new InvalidInputException("FASTA " + sourceName + " contains no records (no line starts with '>')");
            }
        }

        private void startRecord(String header) {
            int split = 0;
            while (split < header.length() && !Character.isWhitespace(header.charAt(split))) {
                split++;
            }
            String headerId = header.substring(0, split);
            description = header.substring(split).strip();
            id = headerId.isEmpty() ? String.format("seqnum%09d", lineNumber - 1) : headerId;
            headerLine = lineNumber;
            sequence = new StringBuilder();
            Integer previous = headerLineOfId.putIfAbsent(id, lineNumber);
            if (previous != null) {
                throw error(lineNumber, "duplicate id '" + id + "' (first used on line " + previous + ")");
            }
        }

        private void flush() {
            if (id == null) {
                return;
            }
            if (sequence.length() == 0) {
                throw error(headerLine, "record '" + id + "' has an empty sequence");
            }
            records++;
            sink.accept(new FastaRecord(id, description, sequence.toString()));
            id = null;
        }

        private InvalidInputException error(int line, String message) {
            return new InvalidInputException(sourceName + ":" + line + ": " + message);
        }
    }
}
