package org.esm2j.function.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.function.FunctionTestData;
import org.esm2j.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every metric on a random benchmark (60 proteins, 44 terms, ties, scores on thresholds, explicit zeros, unpredicted
 * proteins, predictions outside the benchmark) against values computed independently by
 * testdata/function/make_metric_goldens.py: scikit-learn for AUPR, AUROC, mAP, F1, accuracy and MCC, scipy for the
 * correlations, and plain-Python F-max and S-min from CAFA's definitions.
 *
 * <p>Tolerance: 1e-12 absolute. Both sides compute in float64 and differ only in summation order (a few ulps of values
 * at most 10); thresholds must match exactly.
 */
class MetricGoldensTest {
    private static final double TOL = 1e-12;
    private static Path dir;
    private static Map<String, Object> expected;
    private static Map<String, Set<String>> truth;
    private static Map<String, Map<String, Double>> predictions;
    private static Map<String, Set<String>> training;
    private static MultiLabelEvaluation ev;

    @BeforeAll
    static void load() throws IOException {
        dir = FunctionTestData.dir().resolve("metrics");
        expected = Json.parseObject(Files.readString(dir.resolve("expected.json")));
        truth = AnnotationTsv.readAnnotations(dir.resolve("truth.tsv"));
        predictions = AnnotationTsv.readPredictions(dir.resolve("predictions.tsv"));
        training = AnnotationTsv.readAnnotations(dir.resolve("training.tsv"));
        ev = MultiLabelEvaluation.of(truth, predictions);
    }

    @Test
    void headlineMetricsMatchTheIndependentComputation() {
        BenchmarkSummary summary = BenchmarkSummary.of(ev, InformationContent.fromFrequencies(training));
        assertSummary("overall", object(expected, "overall"), summary);
    }

    @Test
    void sminWithCafaInformationContent() {
        Map<String, List<String>> parents = ontologyParents();
        InformationContent ic = InformationContent.fromOntology(training, parents::get, t -> ancestors(t, parents));
        Map<String, Object> expectedIc = object(expected, "ic_cafa");
        for (String term : parents.keySet()) {
            double want = expectedIc.containsKey(term) ? number(expectedIc, term) : 0.0;
            assertClose("ic_cafa " + term, want, ic.of(term));
        }
        ProteinCentricMetrics.SMin smin = ProteinCentricMetrics.smin(ev, ic);
        assertClose("smin (CAFA ic)", number(expected, "smin_cafa_ic"), smin.smin());
        assertEquals(number(expected, "smin_cafa_ic_threshold"), smin.threshold(), "smin threshold (CAFA ic)");
    }

    @Test
    void frequencyInformationContent() {
        InformationContent ic = InformationContent.fromFrequencies(training);
        object(expected, "ic_frequency").forEach((term, value) ->
                assertClose("ic_frequency " + term, ((Number) value).doubleValue(), ic.of(term)));
    }

    @Test
    void perNamespaceRestrictsTermsAndProteins() {
        Map<String, String> namespaceOf = new HashMap<>();
        readRows("ontology.tsv").forEach(row -> namespaceOf.put(row[0], row[1]));
        Map<String, List<String>> parents = ontologyParents();
        InformationContent ic = InformationContent.fromOntology(training, parents::get, t -> ancestors(t, parents));
        object(expected, "per_namespace").forEach((ns, values) -> {
            MultiLabelEvaluation sub = ev.restrictTerms(t -> ns.equals(namespaceOf.get(t)));
            assertSummary(ns, asObject(values), BenchmarkSummary.of(sub, ic));
        });
    }

    @Test
    void perIdentityBin() {
        Map<String, String> binOf = new HashMap<>();
        readRows("bins.tsv").forEach(row -> binOf.put(row[0], row[1]));
        Map<String, MultiLabelEvaluation> groups = ev.groupBy(binOf);
        Map<String, Object> perBin = object(expected, "per_bin");
        assertEquals(perBin.keySet(), groups.keySet());
        perBin.forEach((bin, values) -> assertSummary(bin, asObject(values), BenchmarkSummary.of(groups.get(bin),
                null)));
    }

    @Test
    void perTermRankingAndF1AtThresholds() {
        Map<String, Object> ap = object(expected, "per_term_ap");
        Map<String, Object> auc = object(expected, "per_term_auroc");
        for (RankingMetrics.TermRanking t : RankingMetrics.perTerm(ev)) {
            assertEquals(ap.containsKey(t.term()), !Double.isNaN(t.averagePrecision()), "AP defined for " + t.term());
            assertEquals(auc.containsKey(t.term()), !Double.isNaN(t.auroc()), "AUROC defined for " + t.term());
            if (ap.containsKey(t.term())) {
                assertClose("AP " + t.term(), number(ap, t.term()), t.averagePrecision());
            }
            if (auc.containsKey(t.term())) {
                assertClose("AUROC " + t.term(), number(auc, t.term()), t.auroc());
            }
        }
        Map<String, Double> thresholds = new HashMap<>();
        readRows("thresholds.tsv").forEach(row -> thresholds.put(row[0], Double.parseDouble(row[1])));
        Map<String, Object> f1 = object(expected, "per_term_f1");
        List<TermThresholdMetrics.TermF1> actual = TermThresholdMetrics.at(ev, thresholds::get);
        assertEquals(f1.size(), actual.size(), "terms");
        for (TermThresholdMetrics.TermF1 t : actual) {
            Map<String, Object> want = object(f1, t.term());
            assertEquals(number(want, "predicted"), t.predicted(), "predicted " + t.term());
            assertEquals(number(want, "positives"), t.positives(), "positives " + t.term());
            assertEquals(number(want, "true_positives"), t.truePositives(), "true positives " + t.term());
            if (t.predicted() + t.positives() == 0) {
                // scikit-learn's zero_division=0 says 0 here; esm2j leaves F1 undefined without positives or
                // predictions.
                assertTrue(Double.isNaN(t.f1()), "F1 undefined for " + t.term());
            } else {
                assertClose("F1 " + t.term(), number(want, "f1"), t.f1());
            }
        }
    }

    @Test
    void singleLabelAndRegression() {
        Map<String, Object> single = object(expected, "single_label");
        int[] classes = ints(single.get("truth"));
        int[] predicted = ints(single.get("predicted"));
        assertClose("accuracy", number(single, "accuracy"), SingleLabelMetrics.accuracy(classes, predicted));
        assertClose("mcc", number(single, "mcc"), SingleLabelMetrics.matthews(classes, predicted));
        Map<String, Object> regression = object(expected, "regression");
        double[] x = doubles(regression.get("x"));
        double[] y = doubles(regression.get("y"));
        assertClose("pearson", number(regression, "pearson"), Correlation.pearson(x, y));
        assertClose("spearman", number(regression, "spearman"), Correlation.spearman(x, y));
    }

    // --- helpers

    private static void assertSummary(String what, Map<String, Object> want, BenchmarkSummary actual) {
        Map<String, Object> got = actual.toJsonMap();
        List<String> failures = new ArrayList<>();
        for (String key : want.keySet()) {
            double w = number(want, key);
            Object g = got.get(key);
            if (g == null) {
                failures.add(key + ": missing");
                continue;
            }
            double a = ((Number) g).doubleValue();
            boolean exact = key.endsWith("threshold") || key.equals("proteins") || key.equals("terms");
            if (exact ? w != a : !(Math.abs(w - a) <= TOL)) {
                failures.add(String.format("%s: expected %.15g, got %.15g (abs err %.3g)", key, w, a,
                        Math.abs(w - a)));
            }
        }
        if (!failures.isEmpty()) {
            fail(what + ":\n  " + String.join("\n  ", failures));
        }
    }

    private static void assertClose(String what, double want, double actual) {
        assertTrue(Math.abs(want - actual) <= TOL, () -> String.format("%s: expected %.15g, got %.15g (abs err %.3g,"
                + " rel err %.3g)", what, want, actual, Math.abs(want - actual), Math.abs(want - actual)
                / Math.abs(want)));
    }

    private static Map<String, List<String>> ontologyParents() {
        Map<String, List<String>> parents = new HashMap<>();
        readRows("ontology.tsv").forEach(row -> parents.put(row[0], row.length < 3 || row[2].isEmpty() ? List.of()
                : List.of(row[2].split(","))));
        return parents;
    }

    private static Set<String> ancestors(String term, Map<String, List<String>> parents) {
        Set<String> seen = new java.util.LinkedHashSet<>();
        java.util.ArrayDeque<String> pending = new java.util.ArrayDeque<>(List.of(term));
        while (!pending.isEmpty()) {
            String t = pending.pop();
            if (seen.add(t)) {
                pending.addAll(parents.getOrDefault(t, List.of()));
            }
        }
        return seen;
    }

    private static List<String[]> readRows(String file) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(file));
            List<String[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                rows.add(line.split("\t", -1));
            }
            return rows;
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> object(Map<String, Object> parent, String key) {
        return asObject(parent.get(key));
    }

    private static double number(Map<String, Object> parent, String key) {
        return ((Number) parent.get(key)).doubleValue();
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    private static double[] doubles(Object list) {
        return ((List<?>) list).stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
    }
}
