package org.esm2j.function.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Information content, single-label, regression and bootstrap helpers on cases worked out by hand. */
class SmallMetricsTest {
    private static final double EPS = 1e-15;

    /** P1 {r, x}, P2 {r, x, y}, P3 {r}, P4 {r, y}; ontology r <- x <- y (y's parent x, x's parent r). */
    private static Map<String, Set<String>> training() {
        Map<String, Set<String>> t = new LinkedHashMap<>();
        t.put("P1", Set.of("r", "x"));
        t.put("P2", Set.of("r", "x", "y"));
        t.put("P3", Set.of("r"));
        t.put("P4", Set.of("r", "y"));
        return t;
    }

    @Test
    void frequencyInformationContent() {
        InformationContent ic = InformationContent.fromFrequencies(training());
        // N = 4: r on all 4 -> 0; x on 2 -> -log2(1/2) = 1; y on 2 -> 1; unseen -> 0.
        assertEquals(0.0, ic.of("r"));
        assertEquals(1.0, ic.of("x"), EPS);
        assertEquals(1.0, ic.of("y"), EPS);
        assertEquals(0.0, ic.of("never"));
        assertEquals(1, ic.unseenTerms(Set.of("x", "never")));
    }

    @Test
    void cafaInformationContentPropagatesFirst() {
        Map<String, Set<String>> parents = Map.of("r", Set.of(), "x", Set.of("r"), "y", Set.of("x"));
        Map<String, Set<String>> ancestors = Map.of("r", Set.of("r"), "x", Set.of("x", "r"), "y",
                Set.of("y", "x", "r"));
        InformationContent ic = InformationContent.fromOntology(training(), parents::get, ancestors::get);
        // Propagated, P4 gains x: r on 4, x on 3 (P1 P2 P4), y on 2 (P2 P4).
        // ic(r) = 0 (root); ic(x) = -log2(3/4); ic(y) = -log2(P(y | x)) = -log2(2/3).
        assertEquals(0.0, ic.of("r"));
        assertEquals(-Math.log(0.75) / Math.log(2), ic.of("x"), EPS);
        assertEquals(-Math.log(2.0 / 3) / Math.log(2), ic.of("y"), EPS);
    }

    @Test
    void accuracyAndMatthews() {
        int[] truth = {1, 1, 0, 0};
        int[] predicted = {1, 0, 0, 0};
        assertEquals(0.75, SingleLabelMetrics.accuracy(truth, predicted));
        // TP 1, FN 1, TN 2, FP 0: (1*2 - 0*1) / sqrt(1 * 2 * 2 * 3) = 2 / sqrt(12).
        assertEquals(2 / Math.sqrt(12), SingleLabelMetrics.matthews(truth, predicted), EPS);
        // Three classes, all right: 1. One class predicted for everything: 0 by convention.
        assertEquals(1.0, SingleLabelMetrics.matthews(new int[] {0, 1, 2}, new int[] {0, 1, 2}), EPS);
        assertEquals(0.0, SingleLabelMetrics.matthews(new int[] {0, 1, 2}, new int[] {1, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> SingleLabelMetrics.accuracy(new int[1], new int[2]));
    }

    @Test
    void correlations() {
        // y = 2x + 1 exactly: Pearson 1. y reversed: -1.
        assertEquals(1.0, Correlation.pearson(new double[] {1, 2, 3}, new double[] {3, 5, 7}), EPS);
        assertEquals(-1.0, Correlation.pearson(new double[] {1, 2, 3}, new double[] {3, 2, 1}), EPS);
        // Ties share their mean rank: 3, 1, 3, 2 -> 3.5, 1, 3.5, 2.
        assertArrayEquals(new double[] {3.5, 1, 3.5, 2}, Correlation.ranks(new double[] {3, 1, 3, 2}));
        // Monotone but not linear: Spearman 1, Pearson below 1.
        double[] x = {1, 2, 3, 4};
        double[] y = {1, 4, 9, 100};
        assertEquals(1.0, Correlation.spearman(x, y), EPS);
        assertTrue(Correlation.pearson(x, y) < 0.9);
        assertTrue(Double.isNaN(Correlation.pearson(new double[] {1, 1}, new double[] {1, 2})));
    }

    @Test
    void quantilesInterpolateLikeNumpy() {
        double[] sorted = {1, 2, 3, 4};
        // position q (n - 1): 0.25 * 3 = 0.75 -> 1 + 0.75 (2 - 1).
        assertEquals(1.75, Bootstrap.quantile(sorted, 0.25), EPS);
        assertEquals(4.0, Bootstrap.quantile(sorted, 1.0));
        assertEquals(1.0, Bootstrap.quantile(sorted, 0.0));
    }

    @Test
    void bootstrapIsSeededAndBracketsTheEstimate() {
        Map<String, Set<String>> truth = new LinkedHashMap<>();
        Map<String, Map<String, Double>> predictions = new LinkedHashMap<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 40; i++) {
            truth.put("P" + i, Set.of("t" + (i % 5)));
            predictions.put("P" + i, Map.of("t" + (i % 5), random.nextDouble(), "t" + ((i + 1) % 5),
                    random.nextDouble()));
        }
        MultiLabelEvaluation ev = MultiLabelEvaluation.of(truth, predictions);
        Bootstrap bootstrap = new Bootstrap(200, 0.9, 42);
        Bootstrap.Interval a = bootstrap.interval(ev, e -> ProteinCentricMetrics.fmax(e).fmax());
        Bootstrap.Interval b = new Bootstrap(200, 0.9, 42).interval(ev, e -> ProteinCentricMetrics.fmax(e).fmax());
        Bootstrap.Interval c = new Bootstrap(200, 0.9, 43).interval(ev, e -> ProteinCentricMetrics.fmax(e).fmax());
        assertEquals(a, b, "same seed, same interval");
        assertTrue(a.lower() != c.lower() || a.upper() != c.upper(), "another seed, another resample");
        assertTrue(a.lower() < a.estimate() && a.estimate() < a.upper(), a.toString());
        assertEquals(200, a.resamples());
        // A metric that does not depend on which proteins are drawn has a zero-width interval.
        Bootstrap.Interval size = bootstrap.interval(ev, e -> e.proteinCount());
        assertEquals(40.0, size.lower());
        assertEquals(40.0, size.upper());
    }

    @Test
    void bootstrapOfPairedExamples() {
        // Accuracy of 100 examples, 70 right: the estimate is .7 and a 95% interval is about +-.09 (binomial standard
        // error sqrt(.7 * .3 / 100) = .046).
        int[] truth = new int[100];
        int[] predicted = new int[100];
        for (int i = 0; i < 100; i++) {
            truth[i] = i % 3;
            predicted[i] = i < 70 ? truth[i] : (truth[i] + 1) % 3;
        }
        Bootstrap.Interval accuracy = new Bootstrap(1000, 0.95, 5).intervals(100, rows -> new double[] {
            SingleLabelMetrics.accuracy(pick(truth, rows), pick(predicted, rows))})[0];
        assertEquals(0.7, accuracy.estimate(), EPS);
        assertEquals(0.61, accuracy.lower(), 0.03);
        assertEquals(0.79, accuracy.upper(), 0.03);
    }

    private static int[] pick(int[] values, int[] rows) {
        return java.util.Arrays.stream(rows).map(i -> values[i]).toArray();
    }
}
