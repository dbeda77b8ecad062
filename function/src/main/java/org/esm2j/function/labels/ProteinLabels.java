package org.esm2j.function.labels;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esm2j.io.AtomicFiles;

/**
 * Proteins and their labels (GO terms, EC labels, class names), in the order the proteins were first seen, with an
 * optional date per protein for temporal splits. A protein may have no labels (a known negative).
 */
public final class ProteinLabels {
    private final Map<String, Set<String>> labelsByProtein = new LinkedHashMap<>();
    private final Map<String, LocalDate> dateByProtein = new HashMap<>();

    /** Adds the protein (if new) and the label (if not null). */
    public void add(String protein, String label) {
        Set<String> labels = labelsByProtein.computeIfAbsent(protein, p -> new LinkedHashSet<>());
        if (label != null) {
            labels.add(label);
        }
    }

    public void setDate(String protein, LocalDate date) {
        labelsByProtein.computeIfAbsent(protein, p -> new LinkedHashSet<>());
        dateByProtein.put(protein, date);
    }

    public Set<String> proteins() {
        return Collections.unmodifiableSet(labelsByProtein.keySet());
    }

    /** The protein's labels; empty for an unknown protein. */
    public Set<String> labels(String protein) {
        return Collections.unmodifiableSet(labelsByProtein.getOrDefault(protein, Set.of()));
    }

    public Optional<LocalDate> date(String protein) {
        return Optional.ofNullable(dateByProtein.get(protein));
    }

    public boolean contains(String protein) {
        return labelsByProtein.containsKey(protein);
    }

    /** The number of (protein, label) pairs. */
    public int pairCount() {
        return labelsByProtein.values().stream().mapToInt(Set::size).sum();
    }

    /** How many proteins carry each label, in first-seen order of labels. */
    public Map<String, Integer> labelCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Set<String> labels : labelsByProtein.values()) {
            for (String l : labels) {
                counts.merge(l, 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * Keeps only labels carried by at least {@code minimumCount} proteins: a term seen once cannot be learned or
     * evaluated. Proteins left without labels stay (as negatives for every kept label).
     */
    public ProteinLabels withMinimumCount(int minimumCount) {
        if (minimumCount < 1) {
            throw new IllegalArgumentException("minimum count must be at least 1, got " + minimumCount);
        }
        Map<String, Integer> counts = labelCounts();
        ProteinLabels kept = new ProteinLabels();
        for (Map.Entry<String, Set<String>> e : labelsByProtein.entrySet()) {
            kept.add(e.getKey(), null);
            for (String l : e.getValue()) {
                if (counts.get(l) >= minimumCount) {
                    kept.add(e.getKey(), l);
                }
            }
        }
        kept.dateByProtein.putAll(dateByProtein);
        return kept;
    }

    /** Writes {@code protein<TAB>term}, one pair a line, with that header; proteins without labels do not appear. */
    public void writeTsv(Path file) {
        try {
            AtomicFiles.write(file, out -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                w.write("protein\tterm\n");
                for (Map.Entry<String, Set<String>> e : labelsByProtein.entrySet()) {
                    for (String label : e.getValue()) {
                        w.write(e.getKey());
                        w.write('\t');
                        w.write(label);
                        w.write('\n');
                    }
                }
                w.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write labels to " + file, e);
        }
    }
}
