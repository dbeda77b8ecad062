package org.esm2j.function.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.esm2j.function.imbalance.DecisionThresholds;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.labels.ProteinLabels;
import org.esm2j.function.metrics.MultiLabelEvaluation;
import org.junit.jupiter.api.Test;

class LabelMatricesTest {
    private static final LabelVocabulary VOCABULARY = LabelVocabulary.of(List.of("GO:1", "GO:2", "GO:3"), t -> t);

    @Test
    void labelMatrixFollowsProteinAndVocabularyOrder() {
        ProteinLabels labels = new ProteinLabels();
        labels.add("P1", "GO:3");
        labels.add("P1", "GO:9"); // outside the vocabulary: ignored
        labels.add("P2", "GO:1");
        boolean[][] m = LabelMatrices.of(List.of("P2", "P1", "P3"), labels, VOCABULARY);
        assertArrayEquals(new boolean[] {true, false, false}, m[0]);
        assertArrayEquals(new boolean[] {false, false, true}, m[1]);
        assertArrayEquals(new boolean[] {false, false, false}, m[2]);
    }

    @Test
    void predictionsLeaveOutScoresBelowTheFloor() {
        Map<String, Map<String, Double>> p = LabelMatrices.predictions(List.of("P1"),
                new float[][] {{0.5f, 0.01f, 0.25f}}, VOCABULARY, 0.05);
        assertEquals(Map.of("GO:1", 0.5, "GO:3", 0.25), p.get("P1"));
    }

    @Test
    void tunedThresholdsLandInVocabularyOrderWithAFallback() {
        // Validation: GO:1 positives score 0.8 and 0.6, its negative 0.7 -> best F1 at 0.6 (all three predicted, F1 0.8)
        // or at 0.8 (F1 2/3): 0.6. GO:3 has no positive and keeps the fallback.
        MultiLabelEvaluation validation = MultiLabelEvaluation.of(
                Map.of("A", List.of("GO:1"), "B", List.of("GO:1"), "C", List.of("GO:2")),
                Map.of("A", Map.of("GO:1", 0.8), "B", Map.of("GO:1", 0.6), "C", Map.of("GO:1", 0.7, "GO:2", 0.9)));
        float[] t = LabelMatrices.thresholds(VOCABULARY, DecisionThresholds.maximizeF1(validation, 0.5), 0.5);
        assertEquals(0.6f, t[0], 1e-6);
        assertEquals(0.9f, t[1], 1e-6);
        assertEquals(0.5f, t[2]);
    }
}
