package org.esm2j.function.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.InvalidInputException;

/**
 * Reads the two tables evaluation works on: annotations ({@code protein<TAB>term}, as {@code esm2j labels} writes
 * them) and scored predictions ({@code protein<TAB>term<TAB>score}, as {@code esm2j predict} writes them); also
 * per-term decision thresholds ({@code term<TAB>threshold}) and groups of proteins ({@code protein<TAB>bin}).
 *
 * <p>Columns are found by their header names, so extra columns (a term name, a predicted flag) are allowed and
 * ignored. Empty lines and lines starting with {@code #} are skipped. Errors name the file and the 1-based line: a
 * missing column, an empty protein or term, a score that is not a finite number, and a protein-term pair scored twice
 * (two scores for one pair would make every metric ambiguous). A repeated annotation row is harmless and kept once.
 */
public final class AnnotationTsv {
    private static final String PROTEIN = "protein";
    private static final String TERM = "term";
    private static final String SCORE = "score";
    private static final String THRESHOLD = "threshold";
    private static final String BIN = "bin";

    private AnnotationTsv() {
    }

    /** Annotations per protein, in file order: protein -> its terms. */
    public static Map<String, Set<String>> readAnnotations(Path file) {
        Map<String, Set<String>> annotations = new LinkedHashMap<>();
        read(file, List.of(PROTEIN, TERM), (fields, line) ->
                annotations.computeIfAbsent(fields[0], p -> new LinkedHashSet<>()).add(fields[1]));
        return annotations;
    }

    /** Scores per protein, in file order: protein -> (term -> score). */
    public static Map<String, Map<String, Double>> readPredictions(Path file) {
        Map<String, Map<String, Double>> predictions = new LinkedHashMap<>();
        read(file, List.of(PROTEIN, TERM, SCORE), (fields, line) -> {
            double score = number(file, line, fields[2], SCORE);
            Double previous = predictions.computeIfAbsent(fields[0], p -> new LinkedHashMap<>()).put(fields[1], score);
            if (previous != null) {
                throw error(file, line, "protein " + fields[0] + " and term " + fields[1] + " are scored twice");
            }
        });
        return predictions;
    }

    /** Per-term decision thresholds ({@code term<TAB>threshold}, as DecisionThresholds writes them): term -> t. */
    public static Map<String, Double> readThresholds(Path file) {
        Map<String, Double> thresholds = new LinkedHashMap<>();
        read(file, List.of(TERM, THRESHOLD), (fields, line) -> {
            double t = number(file, line, fields[1], THRESHOLD);
            if (thresholds.put(fields[0], t) != null) {
                throw error(file, line, "term " + fields[0] + " has a second threshold");
            }
        });
        return thresholds;
    }

    /**
     * A group per protein ({@code protein<TAB>bin}, e.g. the identity bin of each test protein in a leakage report):
     * protein -> bin. A protein given two different bins is an error.
     */
    public static Map<String, String> readBins(Path file) {
        Map<String, String> bins = new LinkedHashMap<>();
        read(file, List.of(PROTEIN, BIN), (fields, line) -> {
            String previous = bins.putIfAbsent(fields[0], fields[1]);
            if (previous != null && !previous.equals(fields[1])) {
                throw error(file, line, "protein " + fields[0] + " is in bin " + previous + " and in bin "
                        + fields[1]);
            }
        });
        return bins;
    }

    private static double number(Path file, int line, String text, String what) {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw error(file, line, what + " '" + text + "' is not a number");
        }
        if (!Double.isFinite(value)) {
            throw error(file, line, what + " '" + text + "' is not finite");
        }
        return value;
    }

    @FunctionalInterface
    private interface RowHandler {
        /** {@code fields} holds the wanted columns in the order asked for; {@code line} is 1-based. */
        void accept(String[] fields, int line);
    }

    private static void read(Path file, List<String> wanted, RowHandler handler) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int[] columns = null;
            int lineNumber = 0;
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cells = line.split("\t", -1);
                if (columns == null) {
                    columns = findColumns(file, lineNumber, cells, wanted);
                    continue;
                }
                String[] fields = new String[wanted.size()];
                for (int i = 0; i < fields.length; i++) {
                    if (columns[i] >= cells.length) {
                        throw error(file, lineNumber, "expected " + (columns[i] + 1) + " tab-separated columns, found "
                                + cells.length);
                    }
                    fields[i] = cells[columns[i]].strip();
                    if (fields[i].isEmpty()) {
                        throw error(file, lineNumber, "empty " + wanted.get(i));
                    }
                }
                handler.accept(fields, lineNumber);
            }
            if (columns == null) {
                throw new InvalidInputException(file + ": no header line; expected columns " + String.join(", ",
                        wanted));
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static int[] findColumns(Path file, int lineNumber, String[] header, List<String> wanted) {
        int[] columns = new int[wanted.size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = -1;
            for (int c = 0; c < header.length; c++) {
                if (header[c].strip().equalsIgnoreCase(wanted.get(i))) {
                    columns[i] = c;
                    break;
                }
            }
            if (columns[i] < 0) {
                throw error(file, lineNumber, "the header has no '" + wanted.get(i) + "' column; expected a "
                        + "tab-separated header with " + String.join(", ", wanted));
            }
        }
        return columns;
    }

    private static InvalidInputException error(Path file, int line, String what) {
        return new InvalidInputException(file + ", line " + line + ": " + what);
    }
}
