package org.esm2j.function.split;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.esm2j.InvalidInputException;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.IdentitySearch;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;

/**
 * How close each test protein is to the training set: its highest sequence identity to any training protein, and
 * the number of test proteins per identity bin. A model's score on test proteins at 90% identity to training says
 * little about new families; metrics per bin show how performance falls with distance.
 */
public final class LeakageReport {
    /** Bin lower edges in percent; a protein falls in the last bin whose edge it reaches. */
    private static final double[] EDGES = {30, 40, 50, 70, 90};
    private static final List<String> BIN_NAMES = List.of("<30", "30-40", "40-50", "50-70", "70-90", ">=90");
    /** No hit from the search: below what it can detect, which for MMseqs2 is mostly far below 30%. */
    public static final String NO_HIT = "no hit";

    /**
     * @param protein the test protein
     * @param identityPercent highest identity to a training protein, or NaN without a hit
     * @param nearestTrain that training protein, or empty
     * @param bin the identity bin
     */
    public record Row(String protein, double identityPercent, String nearestTrain, String bin) {
    }

    private final String method;
    private final String trainPart;
    private final String testPart;
    private final int trainProteins;
    private final List<Row> rows;

    private LeakageReport(String method, String trainPart, String testPart, int trainProteins, List<Row> rows) {
        this.method = method;
        this.trainPart = trainPart;
        this.testPart = testPart;
        this.trainProteins = trainProteins;
        this.rows = List.copyOf(rows);
    }

    /**
     * Searches every protein of {@code testPart} against every protein of {@code trainPart}.
     *
     * @throws InvalidInputException when a part is empty or a protein of the split has no sequence
     */
    public static LeakageReport compute(SplitAssignment split, Map<String, FastaRecord> sequences, String trainPart,
            String testPart, IdentitySearch search) {
        return compute(split, sequences, Set.of(trainPart), testPart, search);
    }

    /** As above with several training parts, e.g. every fold but the test fold of a k-fold split. */
    public static LeakageReport compute(SplitAssignment split, Map<String, FastaRecord> sequences,
            Set<String> trainParts, String testPart, IdentitySearch search) {
        if (trainParts.contains(testPart)) {
            throw new IllegalArgumentException("part " + testPart + " cannot be both train and test");
        }
        List<FastaRecord> train = new ArrayList<>();
        for (String part : new TreeSet<>(trainParts)) {
            train.addAll(sequencesOf(split, sequences, part));
        }
        List<FastaRecord> test = sequencesOf(split, sequences, testPart);
        Map<String, IdentitySearch.Hit> hits = search.bestHits(test, train);
        List<Row> rows = new ArrayList<>(test.size());
        for (FastaRecord t : test) {
            IdentitySearch.Hit hit = hits.get(t.id());
            double percent = hit == null ? Double.NaN : 100 * hit.identity();
            rows.add(new Row(t.id(), percent, hit == null ? "" : hit.target(), bin(percent)));
        }
        return new LeakageReport(search.method(), String.join(",", new TreeSet<>(trainParts)), testPart, train.size(),
                rows);
    }

    /** The bin of an identity in percent; NaN is {@link #NO_HIT}. */
    public static String bin(double identityPercent) {
        if (Double.isNaN(identityPercent)) {
            return NO_HIT;
        }
        int b = 0;
        while (b < EDGES.length && identityPercent >= EDGES[b]) {
            b++;
        }
        return BIN_NAMES.get(b);
    }

    /** The bins in order ({@code no hit} first) with their test-protein counts, zeros included. */
    public Map<String, Integer> binCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put(NO_HIT, 0);
        BIN_NAMES.forEach(b -> counts.put(b, 0));
        rows.forEach(r -> counts.merge(r.bin(), 1, Integer::sum));
        return counts;
    }

    public List<Row> rows() {
        return rows;
    }

    public String method() {
        return method;
    }

    /** Per test protein: {@code protein<TAB>identity_percent<TAB>nearest_train<TAB>bin} (identity empty if none). */
    public void writeTsv(Path file) {
        try {
            AtomicFiles.write(file, out -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                w.write("protein\tidentity_percent\tnearest_train\tbin\n");
                for (Row r : rows) {
                    String identity = Double.isNaN(r.identityPercent()) ? ""
                            : String.format(Locale.ROOT, "%.1f", r.identityPercent());
                    w.write(r.protein() + "\t" + identity + "\t" + r.nearestTrain() + "\t" + r.bin() + "\n");
                }
                w.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write leakage report " + file, e);
        }
    }

    /** The summary: method, parts, sizes and bin counts. */
    public void writeJson(Path file) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", method);
        summary.put("train_split", trainPart);
        summary.put("test_split", testPart);
        summary.put("train_proteins", trainProteins);
        summary.put("test_proteins", rows.size());
        summary.put("bins_percent_identity", binCounts());
        try {
            AtomicFiles.write(file, out -> out.write((Json.write(summary) + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write leakage summary " + file, e);
        }
    }

    private static List<FastaRecord> sequencesOf(SplitAssignment split, Map<String, FastaRecord> sequences,
            String part) {
        List<FastaRecord> records = new ArrayList<>();
        for (String protein : split.proteinsIn(part)) {
            FastaRecord r = sequences.get(protein);
            if (r == null) {
                throw new InvalidInputException("protein " + protein + " of the '" + part + "' split has no sequence "
                        + "in the FASTA");
            }
            records.add(r);
        }
        if (records.isEmpty()) {
            throw new InvalidInputException("the split has no '" + part + "' proteins for the leakage report");
        }
        return records;
    }
}
