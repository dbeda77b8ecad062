package org.esm2j.function.labels;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.esm2j.InvalidInputException;
import org.esm2j.io.TextInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a labels TSV: a header naming a {@code protein} column, a label column ({@code term}, {@code label},
 * {@code labels}, {@code class} or {@code ec}) and optionally a {@code date} column (ISO {@code yyyy-mm-dd}); other
 * columns are ignored. A label cell holds one label or several separated by {@code ;}, and a protein may take several
 * rows. An empty label cell records the protein with no labels.
 *
 * <p>A bad row (missing cells, empty protein, unparsable or conflicting date) is an error naming the file and line,
 * unless the caller asks to skip such rows: then each is logged and counted in {@link Result#skippedRows}.
 */
public final class LabelTableReader {
    private static final Logger LOG = LoggerFactory.getLogger(LabelTableReader.class);
    private static final List<String> LABEL_COLUMNS = List.of("term", "label", "labels", "class", "ec");

    /** One label as read, with where it came from. */
    public record Row(String protein, String label, String origin) {
    }

    /**
     * @param labels the proteins, labels and dates read
     * @param rows every (protein, label) as read, for callers that map labels and must name the line of a bad one
     * @param skippedRows bad rows skipped at the caller's request
     */
    public record Result(ProteinLabels labels, List<Row> rows, int skippedRows) {
    }

    private LabelTableReader() {
    }

    public static Result read(Path file, boolean skipBadRows) {
        try (BufferedReader reader = TextInput.openReader(file)) {
            return read(reader, file.toString(), skipBadRows);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("labels file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read labels file " + file + ": " + e.getMessage(), e);
        }
    }

    public static Result read(BufferedReader reader, String sourceName, boolean skipBadRows) throws IOException {
        String header = reader.readLine();
        if (header == null) {
            throw new InvalidInputException("labels file " + sourceName + " is empty (expected a header line "
                    + "'protein<TAB>term')");
        }
        List<String> columns = List.of(header.replace("\uFEFF", "").toLowerCase(Locale.ROOT).split("\t", -1));
        int proteinColumn = columns.indexOf("protein");
        int labelColumn = -1;
        for (String name : LABEL_COLUMNS) {
            labelColumn = labelColumn >= 0 ? labelColumn : columns.indexOf(name);
        }
        int dateColumn = columns.indexOf("date");
        if (proteinColumn < 0 || labelColumn < 0) {
            throw new InvalidInputException(sourceName + ":1: the header must name a 'protein' column and a label "
                    + "column (one of " + String.join(", ", LABEL_COLUMNS) + "), got '" + header + "'");
        }
        int needed = Math.max(proteinColumn, Math.max(labelColumn, dateColumn)) + 1;

        ProteinLabels labels = new ProteinLabels();
        List<Row> rows = new ArrayList<>();
        int skipped = 0;
        int lineNumber = 1;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String origin = sourceName + ":" + lineNumber;
            String[] cells = line.split("\t", -1);
            String problem = null;
            LocalDate date = null;
            if (cells.length < needed) {
                problem = "expected at least " + needed + " tab-separated cells, got " + cells.length;
            } else if (cells[proteinColumn].isBlank()) {
                problem = "empty protein id";
            } else if (dateColumn >= 0 && !cells[dateColumn].isBlank()) {
                try {
                    date = LocalDate.parse(cells[dateColumn].strip());
                } catch (DateTimeParseException e) {
                    problem = "date '" + cells[dateColumn] + "' is not yyyy-mm-dd";
                }
            }
            String protein = problem == null ? cells[proteinColumn].strip() : null;
            LocalDate earlier = protein == null ? null : labels.date(protein).orElse(null);
            if (date != null && earlier != null && !earlier.equals(date)) {
                problem = "date " + date + " for " + protein + " differs from its earlier date " + earlier;
            }
            if (problem != null) {
                if (!skipBadRows) {
                    throw new InvalidInputException(origin + ": " + problem);
                }
                LOG.warn("{}: skipped: {}", origin, problem);
                skipped++;
                continue;
            }
            labels.add(protein, null);
            if (date != null) {
                labels.setDate(protein, date);
            }
            for (String label : cells[labelColumn].split(";")) {
                if (!label.isBlank()) {
                    labels.add(protein, label.strip());
                    rows.add(new Row(protein, label.strip(), origin));
                }
            }
        }
        if (skipped > 0) {
            LOG.warn("{}: skipped {} bad rows", sourceName, skipped);
        }
        return new Result(labels, rows, skipped);
    }
}
