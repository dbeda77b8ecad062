package org.esm2j.function.labels;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;

/**
 * An Enzyme Commission number, complete ({@code 1.1.1.1}) or partial ({@code 1.1.-.-}): four levels, the known ones
 * first and {@code -} for each unknown one. Preliminary serial numbers ({@code 3.5.1.n3}) are kept as written.
 *
 * @param levels the known levels, one to four of them
 */
public record EcNumber(List<String> levels) {
    private static final int DEPTH = 4;

    public EcNumber {
        levels = List.copyOf(levels);
        if (levels.isEmpty() || levels.size() > DEPTH) {
            throw new IllegalArgumentException("an EC number has 1 to 4 known levels, got " + levels);
        }
    }

    /**
     * Parses {@code 1.1.1.1}, {@code 1.1.-.-}, {@code EC 1.1.1.1} or {@code EC:1.1.-.-}.
     *
     * @throws InvalidInputException naming the text when it is not an EC number
     */
    public static EcNumber parse(String text) {
        String t = text.strip();
        if (t.regionMatches(true, 0, "EC", 0, 2)) {
            t = t.substring(2).replaceFirst("^[:\\s]+", "");
        }
        String[] parts = t.split("\\.", -1);
        if (parts.length != DEPTH) {
            throw new InvalidInputException("'" + text + "' is not an EC number (expected four levels like 1.1.1.1 "
                    + "or 1.1.-.-)");
        }
        List<String> known = new ArrayList<>();
        for (int i = 0; i < DEPTH; i++) {
            String p = parts[i];
            if (p.equals("-")) {
                continue;
            }
            boolean valid = i == DEPTH - 1 ? p.matches("n?\\d+") : p.matches("\\d+");
            if (!valid || known.size() != i) {
                throw new InvalidInputException("'" + text + "' is not an EC number: level " + (i + 1) + " is '" + p
                        + "'" + (valid ? " after an unknown level" : ""));
            }
            known.add(p);
        }
        if (known.isEmpty()) {
            throw new InvalidInputException("'" + text + "' is not an EC number: no level is known");
        }
        return new EcNumber(known);
    }

    /** How many levels are known (1 to 4). */
    public int depth() {
        return levels.size();
    }

    /** The number cut to its first {@code depth} levels, e.g. 1.1.1.1 at depth 2 is 1.1.-.-. */
    public EcNumber truncate(int depth) {
        if (depth < 1 || depth > levels.size()) {
            throw new IllegalArgumentException("depth " + depth + " outside 1.." + levels.size());
        }
        return new EcNumber(levels.subList(0, depth));
    }

    /**
     * One label per known level, coarsest first: {@code 1.1.1.49} gives EC:1.-.-.-, EC:1.1.-.-, EC:1.1.1.- and
     * EC:1.1.1.49, so a predictor can be scored at each level, as the GO rule propagates a term to its ancestors.
     */
    public List<String> levelLabels() {
        List<String> labels = new ArrayList<>(levels.size());
        for (int d = 1; d <= levels.size(); d++) {
            labels.add(truncate(d).label());
        }
        return labels;
    }

    /** {@code EC:} plus the four-level form. */
    public String label() {
        return "EC:" + this;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < DEPTH; i++) {
            if (i > 0) {
                s.append('.');
            }
            s.append(i < levels.size() ? levels.get(i) : "-");
        }
        return s.toString();
    }
}
