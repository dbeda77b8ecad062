package org.esm2j.train.loss;

/**
 * {@code torch.nn.HuberLoss(delta)}, mean reduction: with {@code d = x - y}, {@code 0.5 d^2} where {@code |d| < delta},
 * else {@code delta (|d| - 0.5 delta)}; the gradient is {@code d}, clamped to {@code [-delta, delta]}, over n.
 */
public final class HuberLoss {
    private final double delta;

    /** torch's default, delta 1. */
    public HuberLoss() {
        this(1.0);
    }

    public HuberLoss(double delta) {
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("Huber delta must be finite and > 0: " + delta);
        }
        this.delta = delta;
    }

    /**
     * @param predictions n values
     * @param targets n values
     * @param gradPredictions receives d(loss)/d(predictions)
     * @return the mean Huber loss
     */
    public double compute(float[] predictions, float[] targets, float[] gradPredictions) {
        int n = predictions.length;
        LossArguments.requirePositive("number of predictions", n);
        LossArguments.requireLength("targets", targets.length, n);
        LossArguments.requireLength("gradPredictions", gradPredictions.length, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) predictions[i] - targets[i];
            double a = Math.abs(d);
            sum += a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
            gradPredictions[i] = (float) (Math.max(-delta, Math.min(delta, d)) / n);
        }
        return sum / n;
    }
}
