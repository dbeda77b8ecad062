package org.esm2j.function.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The benchmark of a multi-label evaluation, indexed once: its proteins, each with its true terms and its scored
 * predictions, over one term vocabulary. The metric classes read it; bootstrap resamples and subsets (per namespace,
 * per identity bin) are new evaluations that share the per-protein arrays.
 *
 * <p>Rules, those of CAFA:
 * <ul>
 *   <li>The benchmark proteins are those with at least one true term; a protein with none is left out, unless the
 *       evaluation is built with {@link #withUnannotated} (for term-centric use such as tuning thresholds, where a
 *       validation protein without any term is a negative for every term). Protein-centric metrics always skip
 *       proteins without a true term.</li>
 *   <li>Predictions for proteins outside the benchmark are ignored, and so are their terms: the vocabulary is the
 *       terms of the benchmark proteins' annotations and predictions.</li>
 *   <li>A protein-term pair without a prediction scores 0.</li>
 * </ul>
 * The same protein may appear more than once (a bootstrap resample draws with replacement); every metric then counts
 * it as often as it appears.
 */
public final class MultiLabelEvaluation {
    private final List<String> terms;
    private final List<String> proteins;
    /** Per row (protein): its true terms, as sorted indices into {@link #terms}. */
    private final int[][] truth;
    /** Per row: the indices of its predicted terms, sorted, and their scores in the same order. */
    private final int[][] predictedTerms;
    private final double[][] predictedScores;
    private final boolean keepsUnannotated;

    private MultiLabelEvaluation(List<String> terms, List<String> proteins, int[][] truth, int[][] predictedTerms,
            double[][] predictedScores, boolean keepsUnannotated) {
        this.keepsUnannotated = keepsUnannotated;
        this.terms = terms;
        this.proteins = proteins;
        this.truth = truth;
        this.predictedTerms = predictedTerms;
        this.predictedScores = predictedScores;
    }

    /**
     * Indexes a benchmark.
     *
     * @param truth       protein -> its true terms (the benchmark annotations)
     * @param predictions protein -> (term -> score); scores must be finite
     */
    public static MultiLabelEvaluation of(Map<String, ? extends Collection<String>> truth,
            Map<String, ? extends Map<String, Double>> predictions) {
        return build(truth, predictions, false);
    }

    /**
     * Indexes an evaluation set that keeps proteins without a true term (given as keys of {@code truth} with an empty
     * set): they are negatives for every term in term-centric metrics and threshold tuning; protein-centric metrics
     * skip them. Term subsets ({@link #restrictTerms}) keep them too.
     */
    public static MultiLabelEvaluation withUnannotated(Map<String, ? extends Collection<String>> truth,
            Map<String, ? extends Map<String, Double>> predictions) {
        return build(truth, predictions, true);
    }

    private static MultiLabelEvaluation build(Map<String, ? extends Collection<String>> truth,
            Map<String, ? extends Map<String, Double>> predictions, boolean keepUnannotated) {
        Map<String, Integer> termIndex = new LinkedHashMap<>();
        List<String> proteins = new ArrayList<>();
        for (Map.Entry<String, ? extends Collection<String>> e : truth.entrySet()) {
            if (e.getValue().isEmpty() && !keepUnannotated) {
                continue;
            }
            proteins.add(e.getKey());
            e.getValue().forEach(t -> termIndex.putIfAbsent(t, termIndex.size()));
            Map<String, Double> scored = predictions.get(e.getKey());
            if (scored != null) {
                scored.keySet().forEach(t -> termIndex.putIfAbsent(t, termIndex.size()));
            }
        }
        int rows = proteins.size();
        int[][] truthRows = new int[rows][];
        int[][] predictedTermRows = new int[rows][];
        double[][] predictedScoreRows = new double[rows][];
        for (int r = 0; r < rows; r++) {
            String protein = proteins.get(r);
            truthRows[r] = truth.get(protein).stream().mapToInt(termIndex::get).distinct().sorted().toArray();
            Map<String, Double> scored = predictions.containsKey(protein) ? predictions.get(protein) : Map.of();
            int[] idx = new int[scored.size()];
            double[] sc = new double[scored.size()];
            int n = 0;
            for (Map.Entry<String, Double> p : scored.entrySet()) {
                double score = p.getValue();
                if (!Double.isFinite(score)) {
                    throw new IllegalArgumentException("protein " + protein + ", term " + p.getKey()
                            + ": score " + score + " is not finite");
                }
                idx[n] = termIndex.get(p.getKey());
                sc[n] = score;
                n++;
            }
            sortByTerm(idx, sc);
            predictedTermRows[r] = idx;
            predictedScoreRows[r] = sc;
        }
        return new MultiLabelEvaluation(List.copyOf(termIndex.keySet()), List.copyOf(proteins), truthRows,
                predictedTermRows, predictedScoreRows, keepUnannotated);
    }

    private static void sortByTerm(int[] idx, double[] sc) {
        Integer[] order = new Integer[idx.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(idx[a], idx[b]));
        int[] idxCopy = idx.clone();
        double[] scCopy = sc.clone();
        for (int i = 0; i < order.length; i++) {
            idx[i] = idxCopy[order[i]];
            sc[i] = scCopy[order[i]];
        }
    }

    /**
     * The same benchmark seen through a subset of terms (one GO namespace, say): terms outside it are dropped from
     * annotations and predictions, and proteins left without a true term leave the benchmark, as CAFA evaluates each
     * namespace over the proteins annotated in it (unless built {@link #withUnannotated}).
     */
    public MultiLabelEvaluation restrictTerms(Predicate<String> keep) {
        boolean[] kept = new boolean[terms.size()];
        for (int t = 0; t < kept.length; t++) {
            kept[t] = keep.test(terms.get(t));
        }
        List<String> names = new ArrayList<>();
        List<int[]> truthRows = new ArrayList<>();
        List<int[]> termRows = new ArrayList<>();
        List<double[]> scoreRows = new ArrayList<>();
        for (int r = 0; r < proteins.size(); r++) {
            int[] t = Arrays.stream(truth[r]).filter(i -> kept[i]).toArray();
            if (t.length == 0 && !keepsUnannotated) {
                continue;
            }
            int[] p = predictedTerms[r];
            int n = 0;
            int[] pt = new int[p.length];
            double[] ps = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                if (kept[p[i]]) {
                    pt[n] = p[i];
                    ps[n] = predictedScores[r][i];
                    n++;
                }
            }
            names.add(proteins.get(r));
            truthRows.add(t);
            termRows.add(Arrays.copyOf(pt, n));
            scoreRows.add(Arrays.copyOf(ps, n));
        }
        return compact(names, truthRows.toArray(new int[0][]), termRows.toArray(new int[0][]),
                scoreRows.toArray(new double[0][]));
    }

    /**
     * The benchmark proteins at the given rows, in that order, repeats allowed (a bootstrap resample). Its vocabulary
     * is the terms of these rows, so every metric of the result is the metric of the rows taken as a benchmark.
     */
    public MultiLabelEvaluation rows(int[] rowIndices) {
        List<String> names = new ArrayList<>(rowIndices.length);
        int[][] t = new int[rowIndices.length][];
        int[][] pt = new int[rowIndices.length][];
        double[][] ps = new double[rowIndices.length][];
        for (int i = 0; i < rowIndices.length; i++) {
            int r = rowIndices[i];
            names.add(proteins.get(r));
            t[i] = truth[r];
            pt[i] = predictedTerms[r];
            ps[i] = predictedScores[r];
        }
        return compact(names, t, pt, ps);
    }

    /** An evaluation over these rows whose vocabulary holds only the terms they use (renumbered, order kept). */
    private MultiLabelEvaluation compact(List<String> names, int[][] truthRows, int[][] termRows,
            double[][] scoreRows) {
        boolean[] inUse = new boolean[terms.size()];
        for (int r = 0; r < names.size(); r++) {
            for (int t : truthRows[r]) {
                inUse[t] = true;
            }
            for (int t : termRows[r]) {
                inUse[t] = true;
            }
        }
        int[] newIndex = new int[terms.size()];
        List<String> used = new ArrayList<>();
        for (int t = 0; t < newIndex.length; t++) {
            newIndex[t] = inUse[t] ? used.size() : -1;
            if (inUse[t]) {
                used.add(terms.get(t));
            }
        }
        int[][] newTruth = new int[names.size()][];
        int[][] newTerms = new int[names.size()][];
        for (int r = 0; r < names.size(); r++) {
            // The renumbering keeps order, so sorted rows stay sorted.
            newTruth[r] = Arrays.stream(truthRows[r]).map(i -> newIndex[i]).toArray();
            newTerms[r] = Arrays.stream(termRows[r]).map(i -> newIndex[i]).toArray();
        }
        return new MultiLabelEvaluation(List.copyOf(used), List.copyOf(names), newTruth, newTerms, scoreRows,
                keepsUnannotated);
    }

    /**
     * Splits the benchmark by a label per protein (an identity bin from a leakage report, say), in the order the labels
     * first appear; proteins without a label are left out.
     */
    public Map<String, MultiLabelEvaluation> groupBy(Map<String, String> groupOfProtein) {
        Map<String, List<Integer>> rowsByGroup = new LinkedHashMap<>();
        for (int r = 0; r < proteins.size(); r++) {
            String group = groupOfProtein.get(proteins.get(r));
            if (group != null) {
                rowsByGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(r);
            }
        }
        Map<String, MultiLabelEvaluation> groups = new LinkedHashMap<>();
        rowsByGroup.forEach((g, rs) -> groups.put(g, rows(rs.stream().mapToInt(Integer::intValue).toArray())));
        return groups;
    }

    /** Number of rows with at least one true term: the n of protein-centric metrics. */
    int annotatedCount() {
        int n = 0;
        for (int[] t : truth) {
            n += t.length > 0 ? 1 : 0;
        }
        return n;
    }

    /** Number of benchmark proteins (rows), counting repeats. */
    public int proteinCount() {
        return proteins.size();
    }

    public List<String> proteins() {
        return proteins;
    }

    public List<String> terms() {
        return terms;
    }

    public int termCount() {
        return terms.size();
    }

    /** Row {@code row}'s true terms as sorted term indices; do not modify. */
    int[] truth(int row) {
        return truth[row];
    }

    /** Row {@code row}'s predicted term indices, sorted; do not modify. */
    int[] predictedTerms(int row) {
        return predictedTerms[row];
    }

    /** Scores of {@link #predictedTerms(int)}, in the same order; do not modify. */
    double[] predictedScores(int row) {
        return predictedScores[row];
    }

    /** Whether row {@code row} is annotated with term index {@code term}. */
    boolean isTrue(int row, int term) {
        return Arrays.binarySearch(truth[row], term) >= 0;
    }

}
