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
    // Single examples, the bulk, in primitive arrays that sort fast; blocks (few) beside them.
    private final DoubleList positiveScores = new DoubleList();
    private final DoubleList negativeScores = new DoubleList();
    private final DoubleList blockScores = new DoubleList();
    private long[] blockPositives = new long[4];
    private long[] blockTotals = new long[4];
    /** The cumulative counts, computed once after the last addition. */
    private Steps steps;

    void add(double score, boolean positive) {
        (positive ? positiveScores : negativeScores).add(score);
        steps = null;
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
        int i = blockScores.size;
        if (i == blockPositives.length) {
            blockPositives = Arrays.copyOf(blockPositives, i * 2);
            blockTotals = Arrays.copyOf(blockTotals, i * 2);
        }
        blockScores.add(score);
        blockPositives[i] = positive;
        blockTotals[i] = total;
        steps = null;
    }

    /** The number of positive examples. */
    long positives() {
        long sum = positiveScores.size;
        for (int i = 0; i < blockScores.size; i++) {
            sum += blockPositives[i];
        }
        return sum;
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
        if (steps != null) {
            return steps;
        }
        double[] pos = positiveScores.sorted();
        double[] neg = negativeScores.sorted();
        Integer[] blocks = new Integer[blockScores.size];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = i;
        }
        Arrays.sort(blocks, (a, b) -> Double.compare(blockScores.values[a], blockScores.values[b]));
        // Walk the three ascending lists from their ends: each distinct score, highest first, is one step.
        Steps result = new Steps(pos.length + neg.length + blocks.length);
        int p = pos.length - 1;
        int n = neg.length - 1;
        int b = blocks.length - 1;
        long truePositives = 0;
        long falsePositives = 0;
        while (p >= 0 || n >= 0 || b >= 0) {
            double score = Double.NEGATIVE_INFINITY;
            score = p >= 0 ? Math.max(score, pos[p]) : score;
            score = n >= 0 ? Math.max(score, neg[n]) : score;
            score = b >= 0 ? Math.max(score, blockScores.values[blocks[b]]) : score;
            for (; p >= 0 && pos[p] == score; p--) {
                truePositives++;
            }
            for (; n >= 0 && neg[n] == score; n--) {
                falsePositives++;
            }
            for (; b >= 0 && blockScores.values[blocks[b]] == score; b--) {
                truePositives += blockPositives[blocks[b]];
                falsePositives += blockTotals[blocks[b]] - blockPositives[blocks[b]];
            }
            result.thresholds[result.count] = score;
            result.truePositives[result.count] = truePositives;
            result.falsePositives[result.count] = falsePositives;
            result.count++;
        }
        steps = result;
        return result;
    }

    /** A growable list of doubles. */
    private static final class DoubleList {
        double[] values = new double[16];
        int size;

        void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        double[] sorted() {
            double[] copy = Arrays.copyOf(values, size);
            Arrays.sort(copy);
            return copy;
        }
    }
}
