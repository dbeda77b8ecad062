package org.esm2j.function.metrics;

/**
 * Metrics of single-label classification (one class per protein, classes numbered 0..K-1): accuracy and the
 * Matthews correlation coefficient in its multi-class form (Gorodkin's R_K, which scikit-learn's {@code
 * matthews_corrcoef} computes).
 */
public final class SingleLabelMetrics {
    private SingleLabelMetrics() {
    }

    /** The share of examples whose predicted class is the true one. */
    public static double accuracy(int[] truth, int[] predicted) {
        checkPaired(truth, predicted);
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            correct += truth[i] == predicted[i] ? 1 : 0;
        }
        return truth.length == 0 ? Double.NaN : (double) correct / truth.length;
    }

    /**
     * MCC = (c s - Σ_k p_k t_k) / sqrt((s² - Σ_k p_k²)(s² - Σ_k t_k²)), with s examples, c correct, t_k the examples of
     * class k and p_k the predictions of class k; 0 when a factor of the denominator is 0 (one class only, on either
     * side), as scikit-learn returns.
     */
    public static double matthews(int[] truth, int[] predicted) {
        checkPaired(truth, predicted);
        int classes = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] < 0 || predicted[i] < 0) {
                throw new IllegalArgumentException("classes are numbered from 0; example " + i + " has "
                        + Math.min(truth[i], predicted[i]));
            }
            classes = Math.max(classes, Math.max(truth[i], predicted[i]) + 1);
        }
        double[] trueCounts = new double[classes];
        double[] predictedCounts = new double[classes];
        double correct = 0;
        for (int i = 0; i < truth.length; i++) {
            trueCounts[truth[i]]++;
            predictedCounts[predicted[i]]++;
            correct += truth[i] == predicted[i] ? 1 : 0;
        }
        double s = truth.length;
        double pt = 0;
        double pp = 0;
        double tt = 0;
        for (int k = 0; k < classes; k++) {
            pt += predictedCounts[k] * trueCounts[k];
            pp += predictedCounts[k] * predictedCounts[k];
            tt += trueCounts[k] * trueCounts[k];
        }
        double denominator = Math.sqrt((s * s - pp) * (s * s - tt));
        return denominator == 0 ? 0 : (correct * s - pt) / denominator;
    }

    private static void checkPaired(int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("truth has " + truth.length + " examples, predictions "
                    + predicted.length);
        }
    }
}
