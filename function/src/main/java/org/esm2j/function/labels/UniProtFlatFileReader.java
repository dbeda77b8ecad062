package org.esm2j.function.labels;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esm2j.InvalidInputException;
import org.esm2j.io.TextInput;

/**
 * Reads UniProtKB flat files (Swiss-Prot {@code .dat}, plain or gzip): per entry the AC, DT, DE {@code EC=}, DR GO and
 * SQ lines. Other line types are skipped. Errors name the file and the line.
 */
public final class UniProtFlatFileReader {
    private static final Pattern EC = Pattern.compile("EC=([^;\\s{]+)");
    private static final DateTimeFormatter DT_DATE = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("dd-MMM-yyyy").toFormatter(Locale.ENGLISH);
    private static final int TAG_WIDTH = 5; // two-letter line code padded to column 6

    private UniProtFlatFileReader() {
    }

    public static List<UniProtEntry> read(Path file) {
        try (BufferedReader reader = TextInput.openReader(file)) {
            return read(reader, file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("UniProt file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read UniProt file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads flat-file text; {@code sourceName} names it in errors and in each annotation's origin. */
    public static List<UniProtEntry> read(BufferedReader reader, String sourceName) throws IOException {
        List<UniProtEntry> entries = new ArrayList<>();
        Map<String, Integer> lineOfAccession = new HashMap<>();
        EntryBuilder entry = null;
        int lineNumber = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("//")) {
                if (entry == null) {
                    throw error(sourceName, lineNumber, "'//' without an entry");
                }
                UniProtEntry done = entry.build();
                Integer previous = lineOfAccession.putIfAbsent(done.accession(), entry.startLine);
                if (previous != null) {
                    throw error(sourceName, entry.startLine, "duplicate accession " + done.accession()
                            + " (first entry on line " + previous + ")");
                }
                entries.add(done);
                entry = null;
                continue;
            }
            String code = line.length() >= 2 ? line.substring(0, 2) : line;
            String value = line.length() > TAG_WIDTH ? line.substring(TAG_WIDTH).strip() : "";
            if (code.equals("ID")) {
                if (entry != null) {
                    throw error(sourceName, lineNumber, "new ID line before the '//' that ends the entry starting on "
                            + "line " + entry.startLine);
                }
                entry = new EntryBuilder(sourceName, lineNumber);
            } else if (entry == null) {
                throw error(sourceName, lineNumber, "'" + code + "' line outside an entry (entries start with ID)");
            } else {
                entry.accept(code, value, lineNumber);
            }
        }
        if (entry != null) {
            throw error(sourceName, entry.startLine, "entry is not closed by '//'");
        }
        if (entries.isEmpty()) {
            throw new InvalidInputException("UniProt file " + sourceName + " contains no entries");
        }
        return entries;
    }

    private static InvalidInputException error(String source, int line, String message) {
        return new InvalidInputException(source + ":" + line + ": " + message);
    }

    /** A DR GO line before the entry's accession is known. */
    private record GoLine(String termId, String evidence, int line) {
    }

    /** One entry's lines, gathered until its closing {@code //}. */
    private static final class EntryBuilder {
        private final String source;
        private final int startLine;
        private final List<String> accessions = new ArrayList<>();
        private final List<GoLine> goLines = new ArrayList<>();
        private final Set<String> ecTexts = new LinkedHashSet<>();
        private final List<Integer> ecLines = new ArrayList<>();
        private final StringBuilder sequence = new StringBuilder();
        private LocalDate integrated;
        private LocalDate lastAnnotated;
        private boolean inSequence;

        EntryBuilder(String source, int startLine) {
            this.source = source;
            this.startLine = startLine;
        }

        void accept(String code, String value, int line) {
            if (inSequence && code.isBlank()) {
                sequence.append(value.replaceAll("\\s+", ""));
                return;
            }
            switch (code) {
                case "AC" -> {
                    for (String acc : value.split(";")) {
                        if (!acc.isBlank()) {
                            accessions.add(acc.strip());
                        }
                    }
                }
                case "DT" -> acceptDate(value, line);
                case "DE" -> {
                    Matcher m = EC.matcher(value);
                    while (m.find()) {
                        if (ecTexts.add(m.group(1))) {
                            ecLines.add(line);
                        }
                    }
                }
                case "DR" -> {
                    if (value.startsWith("GO;")) {
                        acceptGo(value, line);
                    }
                }
                case "SQ" -> inSequence = true;
                default -> {
                    // ID details, GN, OS, OC, references, comments, features: not labels
                }
            }
        }

        private void acceptDate(String value, int line) {
            String dateText = value.split(",", 2)[0].strip();
            LocalDate date;
            try {
                date = LocalDate.parse(dateText, DT_DATE);
            } catch (DateTimeParseException e) {
                throw error(source, line, "DT date '" + dateText + "' is not like 01-APR-1990");
            }
            if (value.contains("integrated into")) {
                integrated = date;
            } else if (value.contains("entry version")) {
                lastAnnotated = date;
            }
        }

        /** {@code GO; GO:0000326; C:protein storage vacuole; IEA:UniProtKB-SubCell.} */
        private void acceptGo(String value, int line) {
            String[] fields = value.split(";\\s*");
            int lastSeparator = value.lastIndexOf(';');
            if (fields.length < 4 || !fields[1].startsWith("GO:")) {
                throw error(source, line, "DR GO line is not 'GO; GO:id; aspect:name; EVIDENCE:source.'");
            }
            String evidence = value.substring(lastSeparator + 1).strip().split(":", 2)[0];
            goLines.add(new GoLine(fields[1].strip(), evidence, line));
        }

        UniProtEntry build() {
            if (accessions.isEmpty()) {
                throw error(source, startLine, "entry has no AC line");
            }
            String accession = accessions.get(0);
            List<GoAnnotation> go = new ArrayList<>(goLines.size());
            for (GoLine g : goLines) {
                go.add(new GoAnnotation(accession, g.termId, g.evidence, source + ":" + g.line));
            }
            List<EcNumber> ecs = new ArrayList<>(ecTexts.size());
            int i = 0;
            for (String ec : ecTexts) {
                try {
                    ecs.add(EcNumber.parse(ec));
                } catch (InvalidInputException e) {
                    throw error(source, ecLines.get(i), e.getMessage());
                }
                i++;
            }
            return new UniProtEntry(accession, accessions.subList(1, accessions.size()), go, ecs, integrated,
                    lastAnnotated, sequence.toString());
        }
    }
}
