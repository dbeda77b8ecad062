package org.esm2j.function.imbalance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.esm2j.function.metrics.AnnotationTsv;
import org.esm2j.function.metrics.MultiLabelEvaluation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Term a on six validation proteins, worked out by hand (P6 has no prediction, so it scores 0):
 * <pre>
 * score  .9 .8 .7 .6 .2 0
 * a?      +  -  +  +  -  -
 * at t:   P    R    F1
 *  .9     1    1/3  1/2
 *  .8     1/2  1/3  2/5
 *  .7     2/3  2/3  2/3
 *  .6     3/4  1    6/7   <- F1-max
 *  .2     3/5  1    3/4
 *  0      1/2  1    2/3
 * </pre>
 * Term b is only predicted, never true: it cannot be tuned.
 */
class DecisionThresholdsTest {
    private static final double EPS = 1e-15;

    @TempDir
    Path dir;

    private static MultiLabelEvaluation validation() {
        Map<String, Set<String>> truth = new LinkedHashMap<>();
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        String[] proteins = {"P1", "P2", "P3", "P4", "P5", "P6"};
        double[] a = {0.9, 0.8, 0.7, 0.6, 0.2};
        boolean[] positive = {true, false, true, true, false, false};
        for (int i = 0; i < proteins.length; i++) {
            truth.put(proteins[i], positive[i] ? Set.of("a") : Set.of());
            if (i < a.length) {
                scores.put(proteins[i], new LinkedHashMap<>(Map.of("a", a[i])));
            }
        }
        scores.get("P2").put("b", 0.3);
        return MultiLabelEvaluation.withUnannotated(truth, scores);
    }

    @Test
    void f1Max() {
        Map<String, DecisionThresholds.TunedThreshold> t = DecisionThresholds.maximizeF1(validation(), 0.5);
        DecisionThresholds.TunedThreshold a = t.get("a");
        assertEquals(0.6, a.threshold());
        assertEquals(6.0 / 7, a.f1(), EPS);
        assertEquals(0.75, a.precision(), EPS);
        assertTrue(a.tuned());
        DecisionThresholds.TunedThreshold b = t.get("b");
        assertEquals(0.5, b.threshold());
        assertFalse(b.tuned());
    }

    @Test
    void targetPrecision() {
        // Precision >= .7 at .9 (recall 1/3) and .6 (recall 1): the most recall is at .6.
        assertEquals(0.6, DecisionThresholds.targetPrecision(validation(), 0.7, 0.5).get("a").threshold());
        // Precision >= .8 only at .9.
        DecisionThresholds.TunedThreshold strict = DecisionThresholds.targetPrecision(validation(), 0.8, 0.5).get("a");
        assertEquals(0.9, strict.threshold());
        assertEquals(1.0 / 3, strict.recall(), EPS);
        assertThrows(IllegalArgumentException.class, () -> DecisionThresholds.targetPrecision(validation(), 0, 0.5));
    }

    @Test
    void unannotatedValidationProteinsAreNegatives() {
        // P1 has a (score .4); P2 has no term at all but scores a at .9. Kept, P2 is a negative: at .9 F1 is 0, at .4
        // precision 1/2 and recall 1 (F1 2/3). Dropped, P1 alone gives precision 1 at .4.
        Map<String, Set<String>> truth = Map.of("P1", Set.of("a"), "P2", Set.of());
        Map<String, Map<String, Double>> scores = Map.of("P1", Map.of("a", 0.4), "P2", Map.of("a", 0.9));
        DecisionThresholds.TunedThreshold kept = DecisionThresholds.maximizeF1(
                MultiLabelEvaluation.withUnannotated(truth, scores), 0.5).get("a");
        assertEquals(0.4, kept.threshold());
        assertEquals(0.5, kept.precision());
        assertEquals(1.0, DecisionThresholds.maximizeF1(MultiLabelEvaluation.of(truth, scores), 0.5)
                .get("a").precision());
    }

    @Test
    void writtenThresholdsReadBack() throws IOException {
        Path file = dir.resolve("thresholds.tsv");
        DecisionThresholds.write(file, DecisionThresholds.maximizeF1(validation(), 0.5).values());
        assertEquals(Map.of("a", 0.6, "b", 0.5), AnnotationTsv.readThresholds(file));
        assertTrue(Files.readString(file).startsWith("term\tthreshold\ttuned\tprecision\trecall\tf1\na\t0.6\ttrue\t"
                + "0.750000\t1.000000\t0.857143\n"));
    }
}
