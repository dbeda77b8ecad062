package org.esm2j.function.synthetic;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Micro-averaged average precision for the fast tests, in scikit-learn's step-wise definition (AP = sum over
 * distinct score thresholds of (R_n - R_{n-1}) P_n; tied scores enter together). A local stand-in until the metrics
 * package lands; kept small so it is easy to check by hand.
 */
public final class LocalMetrics {
    private LocalMetrics() {
    }

    /** Micro AUPR over all (protein, term) pairs of {@code scores} against {@code truth}. */
    public static double microAupr(float[][] scores, boolean[][] truth) {
        int n = scores.length;
        int t = truth[0].length;
        float[] s = new float[n * t];
        boolean[] y = new boolean[n * t];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < t; j++) {
                s[i * t + j] = scores[i][j];
                y[i * t + j] = truth[i][j];
            }
        }
        return averagePrecision(s, y);
    }

    public static double averagePrecision(float[] scores, boolean[] truth) {
        Integer[] order = new Integer[scores.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]));
        long positives = 0;
        for (boolean b : truth) {
            if (b) {
                positives++;
            }
        }
        if (positives == 0) {
            return Double.NaN;
        }
        double ap = 0;
        long tp = 0;
        long seen = 0;
        double previousRecall = 0;
        for (int k = 0; k < order.length;) {
            float threshold = scores[order[k]];
            while (k < order.length && scores[order[k]] == threshold) {
                if (truth[order[k]]) {
                    tp++;
                }
                seen++;
                k++;
            }
            double recall = (double) tp / positives;
            ap += (recall - previousRecall) * ((double) tp / seen);
            previousRecall = recall;
        }
        return ap;
    }
}
