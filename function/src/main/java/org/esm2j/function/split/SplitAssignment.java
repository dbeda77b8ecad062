package org.esm2j.function.split;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.TextInput;

/**
 * Which part (train, valid, test, fold3...) each protein belongs to. Written as TSV {@code protein<TAB>split} so that
 * an experiment can be repeated on exactly the same partition.
 */
public final class SplitAssignment {
    private static final String HEADER = "protein\tsplit";

    private final Map<String, String> splitOfProtein = new LinkedHashMap<>();

    public void assign(String protein, String split) {
        String previous = splitOfProtein.putIfAbsent(protein, split);
        if (previous != null) {
            throw new IllegalArgumentException("protein " + protein + " is already in " + previous);
        }
    }

    /** The protein's part, or null when it has none. */
    public String splitOf(String protein) {
        return splitOfProtein.get(protein);
    }

    public Set<String> proteins() {
        return Collections.unmodifiableSet(splitOfProtein.keySet());
    }

    /** The proteins of one part, in assignment order. */
    public List<String> proteinsIn(String split) {
        List<String> proteins = new ArrayList<>();
        splitOfProtein.forEach((p, s) -> {
            if (s.equals(split)) {
                proteins.add(p);
            }
        });
        return proteins;
    }

    /** The parts' names in order of first use. */
    public Set<String> splitNames() {
        return new LinkedHashSet<>(splitOfProtein.values());
    }

    /** Proteins per part. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        splitOfProtein.values().forEach(s -> sizes.merge(s, 1, Integer::sum));
        return sizes;
    }

    public void write(Path file) {
        try {
            AtomicFiles.write(file, out -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                w.write(HEADER);
                w.write('\n');
                for (Map.Entry<String, String> e : splitOfProtein.entrySet()) {
                    w.write(e.getKey() + "\t" + e.getValue() + "\n");
                }
                w.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write split file " + file, e);
        }
    }

    public static SplitAssignment read(Path file) {
        SplitAssignment split = new SplitAssignment();
        try (BufferedReader reader = TextInput.openReader(file)) {
            String header = reader.readLine();
            if (!HEADER.equals(header)) {
                throw new InvalidInputException(file + ":1: expected the header 'protein<TAB>split', got '" + header
                        + "'");
            }
            String line;
            int lineNumber = 1;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                String[] cells = line.split("\t", -1);
                if (cells.length != 2 || cells[0].isBlank() || cells[1].isBlank()) {
                    throw new InvalidInputException(file + ":" + lineNumber + ": expected 'protein<TAB>split', got '"
                            + line + "'");
                }
                if (split.splitOf(cells[0]) != null) {
                    throw new InvalidInputException(file + ":" + lineNumber + ": protein " + cells[0]
                            + " appears twice");
                }
                split.assign(cells[0], cells[1]);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("split file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read split file " + file + ": " + e.getMessage(), e);
        }
        return split;
    }
}
