package org.esm2j.train.loss;

/**
 * {@code torch.nn.BCEWithLogitsLoss(pos_weight=w)} for multi-label classification, mean over every (row, class) entry.
 * Per entry {@code l = -[w_c y log s(x) + (1 - y) log(1 - s(x))]}, evaluated in the overflow-free form
 * {@code (1 - y) x + (1 + (w_c - 1) y) (log(1 + exp(-|x|)) + max(-x, 0))}; its derivative is
 * {@code (1 + (w_c - 1) y) s(x) - w_c y}.
 */
public final class BceWithLogitsLoss {
    private final int classes;
    private final float[] posWeight;

    /** Without pos_weight (every class weighted 1). */
    public BceWithLogitsLoss(int classes) {
        this(classes, null);
    }

    /** @param posWeight weight of the positive term per class ({@link PosWeights}), or null for all ones */
    public BceWithLogitsLoss(int classes, float[] posWeight) {
        LossArguments.requirePositive("classes", classes);
        if (posWeight != null) {
            LossArguments.requireLength("pos_weight", posWeight.length, classes);
            for (int c = 0; c < classes; c++) {
                if (!(posWeight[c] >= 0) || Float.isInfinite(posWeight[c])) {
                    throw new IllegalArgumentException("pos_weight[" + c + "] must be finite and >= 0: "
                            + posWeight[c]);
                }
            }
        }
        this.classes = classes;
        this.posWeight = posWeight == null ? null : posWeight.clone();
    }

    /**
     * @param logits (rows, classes) row-major
     * @param targets (rows, classes), 0 or 1 (soft targets in [0, 1] work too)
     * @param gradLogits receives d(mean loss)/d(logits), same shape
     * @return the mean loss
     */
    public double compute(float[] logits, float[] targets, int rows, float[] gradLogits) {
        long n = (long) rows * classes;
        LossArguments.requireLength("logits", logits.length, n);
        LossArguments.requireLength("targets", targets.length, n);
        LossArguments.requireLength("gradLogits", gradLogits.length, n);
        double scale = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = logits[i];
            double y = targets[i];
            double w = posWeight == null ? 1.0 : posWeight[i % classes];
            double positiveFactor = 1 + (w - 1) * y;
            double logSigmoidNeg = Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0);
            sum += (1 - y) * x + positiveFactor * logSigmoidNeg;
            gradLogits[i] = (float) ((positiveFactor * Sigmoid.of(x) - w * y) * scale);
        }
        return sum * scale;
    }
}
