package org.esm2j.train.loss;

import java.util.Arrays;

/**
 * {@code torch.nn.CrossEntropyLoss(weight=w, label_smoothing=e, ignore_index=-100)} over rows of logits, with torch's
 * weighted mean. With log-probabilities {@code lp} over {@code C} classes, row {@code i} contributes
 * {@code (1 - e) w_y (-lp_y) + (e / C) sum_c w_c (-lp_c)}, and the sum over rows is divided by {@code sum_i w_{y_i}}
 * (the number of rows when unweighted). Rows whose target is {@link #IGNORE_INDEX} contribute nothing and are not
 * counted. The gradient of row {@code i} is {@code [(1 - e) w_y (p - onehot_y) + (e / C)(W p - w)] / sum_i w_{y_i}}
 * with {@code W = sum_c w_c}.
 *
 * <p>When every row is ignored, torch returns NaN (0 / 0); here the loss is 0 with a zero gradient, so a batch without
 * a scored position (a short sequence under masked-LM selection) does not poison a run.
 */
public final class CrossEntropyLoss {
    /** Targets with this value are not scored (torch's and Hugging Face's convention). */
    public static final int IGNORE_INDEX = -100;

    private final int classes;
    private final double[] weight;
    private final double weightSum;
    private final double smoothing;

    /** Unweighted, no label smoothing. */
    public CrossEntropyLoss(int classes) {
        this(classes, null, 0.0);
    }

    /**
     * @param classWeights weight per class, or null for all ones
     * @param labelSmoothing in [0, 1]
     */
    public CrossEntropyLoss(int classes, float[] classWeights, double labelSmoothing) {
        LossArguments.requirePositive("classes", classes);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1]: " + labelSmoothing);
        }
        this.classes = classes;
        this.weight = new double[classes];
        if (classWeights == null) {
            Arrays.fill(weight, 1.0);
        } else {
            LossArguments.requireLength("class weights", classWeights.length, classes);
            for (int c = 0; c < classes; c++) {
                if (!(classWeights[c] >= 0) || Float.isInfinite(classWeights[c])) {
                    throw new IllegalArgumentException("class weight " + c + " must be finite and >= 0: "
                            + classWeights[c]);
                }
                weight[c] = classWeights[c];
            }
        }
        this.weightSum = Arrays.stream(weight).sum();
        this.smoothing = labelSmoothing;
    }

    public int classes() {
        return classes;
    }

    /**
     * @param logits (rows, classes) row-major
     * @param targets one class index per row, or {@link #IGNORE_INDEX}
     * @param gradLogits receives d(loss)/d(logits); ignored rows get zeros
     * @return the weighted mean loss (0 when every row is ignored)
     */
    public double compute(float[] logits, int[] targets, int rows, float[] gradLogits) {
        long n = (long) rows * classes;
        LossArguments.requireLength("logits", logits.length, n);
        LossArguments.requireLength("targets", targets.length, rows);
        LossArguments.requireLength("gradLogits", gradLogits.length, n);
        double denominator = 0;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t == IGNORE_INDEX) {
                continue;
            }
            if (t < 0 || t >= classes) {
                throw new IllegalArgumentException("target of row " + r + " is " + t + ", expected a class in [0, "
                        + classes + ") or " + IGNORE_INDEX);
            }
            denominator += weight[t];
        }
        Arrays.fill(gradLogits, 0f);
        if (denominator == 0) {
            return 0;
        }
        double[] logProb = new double[classes];
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t == IGNORE_INDEX) {
                continue;
            }
            int base = r * classes;
            logSoftmax(logits, base, logProb);
            double smoothed = 0;
            for (int c = 0; c < classes; c++) {
                smoothed -= weight[c] * logProb[c];
            }
            sum += (1 - smoothing) * weight[t] * -logProb[t] + smoothing / classes * smoothed;
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logProb[c]);
                double g = (1 - smoothing) * weight[t] * (c == t ? p - 1 : p)
                        + smoothing / classes * (weightSum * p - weight[c]);
                gradLogits[base + c] = (float) (g / denominator);
            }
        }
        return sum / denominator;
    }

    private void logSoftmax(float[] logits, int base, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[base + c]);
        }
        double sumExp = 0;
        for (int c = 0; c < classes; c++) {
            sumExp += Math.exp(logits[base + c] - max);
        }
        double logSum = max + Math.log(sumExp);
        for (int c = 0; c < classes; c++) {
            out[c] = logits[base + c] - logSum;
        }
    }
}
