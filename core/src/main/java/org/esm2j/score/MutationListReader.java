package org.esm2j.score;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;

/**
 * Reads the variants to score from a text file (UTF-8). Two layouts are accepted, told apart by the first line that
 * is neither blank nor a comment:
 *
 * <ul>
 *   <li><b>plain list</b>: one mutation set per line ({@code A42G} or {@code A42G:K50R}, surrounding whitespace
 *       ignored);</li>
 *   <li><b>table</b>: when that first line contains a tab (TSV) or, failing that, a comma (CSV), it is a header and is
 *       skipped; every following line is a row whose first column is the mutation set (other columns, e.g.
 *       ProteinGym's {@code mutated_sequence,DMS_score}, are ignored; a first field wrapped in double quotes is
 *       unwrapped; quoted fields with embedded delimiters are not supported).</li>
 * </ul>
 *
 * <p>In both layouts blank lines and lines starting with {@code #} are skipped. Positions are read with the given
 * offset ({@link Mutation#parse(String, int)}). Errors name the file and the 1-based line number.
 */
public final class MutationListReader {
    private MutationListReader() {
    }

    public static List<MutationSet> read(Path file, int offset) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read mutation list " + file + ": " + e, e);
        }
        return parse(lines, file.toString(), offset);
    }

    /** Parses lines as {@link #read} does; {@code source} names them in errors. */
    public static List<MutationSet> parse(List<String> lines, String source, int offset) {
        List<MutationSet> sets = new ArrayList<>();
        String delimiter = null;
        boolean layoutKnown = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = i == 0 ? stripByteOrderMark(lines.get(i)) : lines.get(i);
            String content = line.strip();
            if (content.isEmpty() || content.startsWith("#")) {
                continue;
            }
            if (!layoutKnown) {
                layoutKnown = true;
                delimiter = line.contains("\t") ? "\t" : line.contains(",") ? "," : null;
                if (delimiter != null) {
                    continue; // the header
                }
            }
            String field = delimiter == null ? content : firstField(line, delimiter);
            if (field.isEmpty()) {
                throw new InvalidInputException(source + ":" + (i + 1) + ": the first column (the mutation) is empty");
            }
            try {
                sets.add(MutationSet.parse(field, offset));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(source + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (sets.isEmpty()) {
            throw new InvalidInputException("mutation list " + source + " holds no mutations");
        }
        return sets;
    }

    private static String firstField(String line, String delimiter) {
        int end = line.indexOf(delimiter);
        String field = (end < 0 ? line : line.substring(0, end)).strip();
        if (field.length() >= 2 && field.startsWith("\"") && field.endsWith("\"")) {
            field = field.substring(1, field.length() - 1).strip();
        }
        return field;
    }

    private static String stripByteOrderMark(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }
}
