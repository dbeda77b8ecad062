package org.esm2j.function.predictor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.function.imbalance.DecisionThresholds;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.labels.ProteinLabels;

/**
 * The bridge between the labels and metrics packages, which speak of proteins and terms by name, and the heads, which
 * work on rows and columns: row i is {@code proteins.get(i)}, column t is {@code vocabulary.label(t)}.
 */
public final class LabelMatrices {
    private LabelMatrices() {
    }

    /**
     * {@code matrix[i][t]}: protein i carries label t. Labels outside the vocabulary (e.g. below a minimum count) are
     * ignored; a protein without labels gets an all-false row.
     */
    public static boolean[][] of(List<String> proteins, ProteinLabels labels, LabelVocabulary vocabulary) {
        boolean[][] matrix = new boolean[proteins.size()][vocabulary.size()];
        for (int i = 0; i < proteins.size(); i++) {
            for (String label : labels.labels(proteins.get(i))) {
                int t = vocabulary.indexOf(label);
                if (t >= 0) {
                    matrix[i][t] = true;
                }
            }
        }
        return matrix;
    }

    /**
     * Scores as {@code protein -> (term -> score)}, the form of {@code MultiLabelEvaluation.of} and of a predictions
     * TSV; terms scoring below {@code minScore} are left out (an absent pair counts as 0 in every metric).
     */
    public static Map<String, Map<String, Double>> predictions(List<String> proteins, float[][] scores,
            LabelVocabulary vocabulary, double minScore) {
        if (scores.length != proteins.size()) {
            throw new InvalidInputException(scores.length + " score rows for " + proteins.size() + " proteins");
        }
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (int i = 0; i < proteins.size(); i++) {
            if (scores[i].length != vocabulary.size()) {
                throw new InvalidInputException("score row of " + proteins.get(i) + " has " + scores[i].length
                        + " terms, the vocabulary " + vocabulary.size());
            }
            Map<String, Double> row = new LinkedHashMap<>();
            for (int t = 0; t < scores[i].length; t++) {
                if (scores[i][t] >= minScore) {
                    row.put(vocabulary.label(t), (double) scores[i][t]);
                }
            }
            out.put(proteins.get(i), row);
        }
        return out;
    }

    /**
     * Per-term thresholds in vocabulary order from thresholds tuned by name ({@code DecisionThresholds}); a term
     * without a tuned threshold (no validation positive) gets {@code fallback}.
     */
    public static float[] thresholds(LabelVocabulary vocabulary, Map<String, DecisionThresholds.TunedThreshold> tuned,
            double fallback) {
        float[] out = new float[vocabulary.size()];
        for (int t = 0; t < out.length; t++) {
            DecisionThresholds.TunedThreshold th = tuned.get(vocabulary.label(t));
            out[t] = (float) (th == null ? fallback : th.threshold());
        }
        return out;
    }
}
