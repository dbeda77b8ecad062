package org.esm2j.function.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Per-term decisions at a threshold per term (tuned on a validation split, or one global threshold): a protein gets a
 * term when its score is at least the term's threshold, a missing prediction scoring 0. Counts are over the benchmark
 * proteins.
 */
public final class TermThresholdMetrics {
    private TermThresholdMetrics() {
    }

    /**
     * Precision, recall and F1 of every vocabulary term, in vocabulary order.
     *
     * @param thresholds the decision threshold of each term (by term id)
     */
    public static List<TermF1> at(MultiLabelEvaluation ev, ToDoubleFunction<String> thresholds) {
        int terms = ev.termCount();
        double[] threshold = new double[terms];
        for (int t = 0; t < terms; t++) {
            threshold[t] = thresholds.applyAsDouble(ev.terms().get(t));
        }
        long[] truePositives = new long[terms];
        long[] predicted = new long[terms];
        long[] positives = new long[terms];
        long[] scored = new long[terms];
        long[] scoredPositives = new long[terms];
        for (int r = 0; r < ev.proteinCount(); r++) {
            for (int t : ev.truth(r)) {
                positives[t]++;
            }
            int[] ts = ev.predictedTerms(r);
            double[] scores = ev.predictedScores(r);
            for (int i = 0; i < ts.length; i++) {
                int t = ts[i];
                boolean positive = ev.isTrue(r, t);
                scored[t]++;
                scoredPositives[t] += positive ? 1 : 0;
                if (scores[i] >= threshold[t]) {
                    predicted[t]++;
                    truePositives[t] += positive ? 1 : 0;
                }
            }
        }
        List<TermF1> result = new ArrayList<>(terms);
        for (int t = 0; t < terms; t++) {
            if (0 >= threshold[t]) {
                // A threshold at or below 0 also predicts the unscored pairs (score 0).
                predicted[t] += ev.proteinCount() - scored[t];
                truePositives[t] += positives[t] - scoredPositives[t];
            }
            result.add(TermF1.of(ev.terms().get(t), threshold[t], truePositives[t], predicted[t], positives[t]));
        }
        return result;
    }

    /**
     * One term's decisions at its threshold.
     *
     * @param term          the term
     * @param threshold     its decision threshold
     * @param truePositives proteins predicted and annotated
     * @param predicted     proteins predicted
     * @param positives     proteins annotated
     * @param precision     truePositives / predicted (NaN when nothing is predicted)
     * @param recall        truePositives / positives (NaN without positives)
     * @param f1            2 precision recall / (precision + recall); 0 when both are 0 or undefined with positives
     *                      present, NaN without positives and predictions
     */
    public record TermF1(String term, double threshold, long truePositives, long predicted, long positives,
            double precision, double recall, double f1) {
        static TermF1 of(String term, double threshold, long truePositives, long predicted, long positives) {
            double precision = predicted > 0 ? (double) truePositives / predicted : Double.NaN;
            double recall = positives > 0 ? (double) truePositives / positives : Double.NaN;
            // F1 = 2 TP / (predicted + positives) covers the undefined precision or recall cases without a branch.
            double f1 = predicted + positives > 0 ? 2.0 * truePositives / (predicted + positives) : Double.NaN;
            return new TermF1(term, threshold, truePositives, predicted, positives, precision, recall, f1);
        }
    }
}
