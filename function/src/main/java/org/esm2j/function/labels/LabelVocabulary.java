package org.esm2j.function.labels;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.esm2j.InvalidInputException;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.TextInput;

/**
 * The labels a model predicts, in output order, with readable names. Saved beside a model's weights so that output
 * column i means the same label when the model is loaded again. File format: TSV with header
 * {@code index<TAB>label<TAB>name}, indices 0, 1, 2... in order.
 */
public final class LabelVocabulary {
    private static final String HEADER = "index\tlabel\tname";

    private final List<String> labels;
    private final List<String> names;
    private final Map<String, Integer> indexOfLabel;

    private LabelVocabulary(List<String> labels, List<String> names) {
        this.labels = List.copyOf(labels);
        this.names = List.copyOf(names);
        this.indexOfLabel = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            if (indexOfLabel.put(labels.get(i), i) != null) {
                throw new IllegalArgumentException("label " + labels.get(i) + " appears twice in the vocabulary");
            }
            if (labels.get(i).contains("\t") || names.get(i).contains("\t") || names.get(i).contains("\n")) {
                throw new IllegalArgumentException("label or name of " + labels.get(i) + " contains a tab or newline");
            }
        }
    }

    /** A vocabulary of the labels in the given order, named by {@code nameOf} (which may return the label itself). */
    public static LabelVocabulary of(Collection<String> labels, Function<String, String> nameOf) {
        List<String> ordered = new ArrayList<>(labels);
        List<String> names = new ArrayList<>(ordered.size());
        for (String l : ordered) {
            names.add(nameOf.apply(l));
        }
        return new LabelVocabulary(ordered, names);
    }

    public int size() {
        return labels.size();
    }

    public String label(int index) {
        return labels.get(index);
    }

    public String name(int index) {
        return names.get(index);
    }

    public List<String> labels() {
        return labels;
    }

    /** The label's index, or -1 when it is not in the vocabulary. */
    public int indexOf(String label) {
        return indexOfLabel.getOrDefault(label, -1);
    }

    public void write(Path file) {
        try {
            AtomicFiles.write(file, out -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                w.write(HEADER);
                w.write('\n');
                for (int i = 0; i < labels.size(); i++) {
                    w.write(i + "\t" + labels.get(i) + "\t" + names.get(i) + "\n");
                }
                w.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write label vocabulary " + file, e);
        }
    }

    public static LabelVocabulary read(Path file) {
        List<String> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (BufferedReader reader = TextInput.openReader(file)) {
            String header = reader.readLine();
            if (!HEADER.equals(header)) {
                throw new InvalidInputException(file + ":1: expected the header '" + HEADER.replace("\t", "<TAB>")
                        + "', got '" + header + "'");
            }
            String line;
            int lineNumber = 1;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                String[] cells = line.split("\t", -1);
                if (cells.length != 3 || !cells[0].equals(Integer.toString(labels.size())) || cells[1].isEmpty()) {
                    throw new InvalidInputException(file + ":" + lineNumber + ": expected '" + labels.size()
                            + "<TAB>label<TAB>name', got '" + line + "'");
                }
                labels.add(cells[1]);
                names.add(cells[2]);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("label vocabulary " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read label vocabulary " + file + ": " + e.getMessage(), e);
        }
        try {
            return new LabelVocabulary(labels, names);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file + ": " + e.getMessage(), e);
        }
    }
}
