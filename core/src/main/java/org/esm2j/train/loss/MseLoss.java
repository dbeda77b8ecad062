package org.esm2j.train.loss;

/** {@code torch.nn.MSELoss()}: mean of {@code (x - y)^2}; gradient {@code 2 (x - y) / n}. */
public final class MseLoss {
    /**
     * @param predictions n values
     * @param targets n values
     * @param gradPredictions receives d(loss)/d(predictions)
     * @return the mean squared error
     */
    public double compute(float[] predictions, float[] targets, float[] gradPredictions) {
        int n = predictions.length;
        LossArguments.requirePositive("number of predictions", n);
        LossArguments.requireLength("targets", targets.length, n);
        LossArguments.requireLength("gradPredictions", gradPredictions.length, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) predictions[i] - targets[i];
            sum += d * d;
            gradPredictions[i] = (float) (2 * d / n);
        }
        return sum / n;
    }
}
