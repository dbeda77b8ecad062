package org.esm2j.function.metrics;

/**
 * Points of a precision-recall curve, one per threshold, ordered from the highest threshold (lowest recall) down.
 *
 * @param thresholds the score (or score threshold) at each point
 * @param recall     recall at each point
 * @param precision  precision at each point
 */
public record PrecisionRecallCurve(double[] thresholds, double[] recall, double[] precision) {
    public PrecisionRecallCurve {
        if (thresholds.length != recall.length || recall.length != precision.length) {
            throw new IllegalArgumentException("thresholds, recall and precision differ in length: "
                    + thresholds.length + ", " + recall.length + ", " + precision.length);
        }
    }

    public int size() {
        return recall.length;
    }
}
