package org.esm2j.function.metrics;

import java.util.Arrays;

/**
 * Scored examples for ranking metrics (average precision, ROC AUC), collected as blocks that share one score: a block
 * is a single example or many (the protein-term pairs that were not predicted all score 0 and are added as one block,
 * so a micro average over millions of pairs costs only the predicted ones).
 *
 * <p>Ties are one threshold, as in scikit-learn: all examples with the same score enter the ranking together.
 */
final class RankedScores {
    private double[] scores = new double[16];
    private long[] positives = new long[16];
    private long[] totals = new long[16];
    private int size;

    void add(double score, boolean positive) {
        addBlock(score, positive ? 1 : 0, 1);
    }

    /** {@code total} examples scoring {@code score}, of which {@code positive} are positive. */
    void addBlock(double score, long positive, long total) {
        if (positive < 0 || positive > total) {
            throw new IllegalArgumentException("a block needs 0 <= positives <= total, got " + positive + " of "
                    + total);
        }
        if (total == 0) {
            return;
        }
        if (size == scores.length) {
            scores = Arrays.copyOf(scores, size * 2);
            positives = Arrays.copyOf(positives, size * 2);
            totals = Arrays.copyOf(totals, size * 2);
        }
        scores[size] = score;
        positives[size] = positive;
        totals[size] = total;
        size++;
    }

    /**
     * Average precision, scikit-learn's step-wise definition: the sum over distinct thresholds, from the highest score
     * down, of (recall gained at the threshold) x (precision at the threshold). No interpolation. NaN when there is no
     * positive example.
     */
    double averagePrecision() {
        Steps steps = steps();
        long allPositives = steps.allPositives();
        if (allPositives == 0) {
            return Double.NaN;
        }
        double ap = 0;
        long truePositivesBefore = 0;
        for (int k = 0; k < steps.count; k++) {
            long gained = steps.truePositives[k] - truePositivesBefore;
            if (gained > 0) {
                ap += (double) gained / allPositives * steps.precision(k);
            }
            truePositivesBefore = steps.truePositives[k];
        }
        return ap;
    }

    /**
     * Area under the ROC curve with ties counted as half (the trapezoids scikit-learn integrates): the chance that a
     * random positive outscores a random negative. NaN without both a positive and a negative.
     */
    double rocAuc() {
        Steps steps = steps();
        long allPositives = steps.allPositives();
        long allNegatives = steps.allNegatives();
        if (allPositives == 0 || allNegatives == 0) {
            return Double.NaN;
        }
        double area = 0;
        long truePositivesBefore = 0;
        long falsePositivesBefore = 0;
        for (int k = 0; k < steps.count; k++) {
            long groupPositives = steps.truePositives[k] - truePositivesBefore;
            long groupNegatives = steps.falsePositives[k] - falsePositivesBefore;
            area += groupNegatives * (truePositivesBefore + groupPositives / 2.0);
            truePositivesBefore = steps.truePositives[k];
            falsePositivesBefore = steps.falsePositives[k];
        }
        return area / ((double) allPositives * allNegatives);
    }

    /** The precision-recall curve, one point per distinct threshold from the highest score down; empty without
     *  positives. */
    PrecisionRecallCurve precisionRecallCurve() {
        Steps steps = steps();
        long allPositives = steps.allPositives();
        if (allPositives == 0) {
            return new PrecisionRecallCurve(new double[0], new double[0], new double[0]);
        }
        double[] recall = new double[steps.count];
        double[] precision = new double[steps.count];
        for (int k = 0; k < steps.count; k++) {
            recall[k] = (double) steps.truePositives[k] / allPositives;
            precision[k] = steps.precision(k);
        }
        return new PrecisionRecallCurve(Arrays.copyOf(steps.thresholds, steps.count), recall, precision);
    }

    /** Cumulative true and false positives when predicting at each distinct score, from the highest down. */
    private static final class Steps {
        final double[] thresholds;
        final long[] truePositives;
        final long[] falsePositives;
        int count;

        Steps(int capacity) {
            thresholds = new double[capacity];
            truePositives = new long[capacity];
            falsePositives = new long[capacity];
        }

        long allPositives() {
            return count == 0 ? 0 : truePositives[count - 1];
        }

        long allNegatives() {
            return count == 0 ? 0 : falsePositives[count - 1];
        }

        double precision(int k) {
            return (double) truePositives[k] / (truePositives[k] + falsePositives[k]);
        }
    }

    private Steps steps() {
        Integer[] order = descendingOrder();
        Steps steps = new Steps(size);
        long truePositives = 0;
        long falsePositives = 0;
        for (int start = 0; start < size;) {
            int end = start + 1;
            while (end < size && scores[order[end]] == scores[order[start]]) {
                end++;
            }
            for (int i = start; i < end; i++) {
                truePositives += positives[order[i]];
                falsePositives += totals[order[i]] - positives[order[i]];
            }
            steps.thresholds[steps.count] = scores[order[start]];
            steps.truePositives[steps.count] = truePositives;
            steps.falsePositives[steps.count] = falsePositives;
            steps.count++;
            start = end;
        }
        return steps;
    }

    private Integer[] descendingOrder() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        return order;
    }
}
