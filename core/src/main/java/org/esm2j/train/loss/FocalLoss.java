package org.esm2j.train.loss;

/**
 * Sigmoid focal loss (Lin et al. 2017, as torchvision's {@code sigmoid_focal_loss}) with mean reduction over every
 * (row, class) entry. With {@code p = s(x)}, {@code ce = BCE(x, y)} and {@code p_t = p y + (1 - p)(1 - y)}:
 * {@code l = a_t ce (1 - p_t)^gamma}, where {@code a_t = alpha y + (1 - alpha)(1 - y)} when {@code alpha >= 0} and 1
 * otherwise. The derivative, from {@code d ce/dx = p - y} and {@code d p_t/dx = p (1 - p)(2y - 1)}:
 * {@code dl/dx = a_t [(p - y)(1 - p_t)^gamma - gamma ce (1 - p_t)^(gamma - 1) p (1 - p)(2y - 1)]}.
 */
public final class FocalLoss {
    private final int classes;
    private final double alpha;
    private final double gamma;

    /** torchvision's defaults: alpha 0.25, gamma 2. */
    public FocalLoss(int classes) {
        this(classes, 0.25, 2.0);
    }

    /**
     * @param alpha weight of positives in [0, 1], or negative for no class balancing
     * @param gamma focusing exponent, &gt;= 0 (0 gives plain BCE, times a_t)
     */
    public FocalLoss(int classes, double alpha, double gamma) {
        LossArguments.requirePositive("classes", classes);
        if (alpha > 1 || Double.isNaN(alpha)) {
            throw new IllegalArgumentException("focal alpha must be <= 1 (negative disables it): " + alpha);
        }
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("focal gamma must be finite and >= 0: " + gamma);
        }
        this.classes = classes;
        this.alpha = alpha;
        this.gamma = gamma;
    }

    /**
     * @param logits (rows, classes) row-major
     * @param targets (rows, classes), 0 or 1
     * @param gradLogits receives d(mean loss)/d(logits)
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
            double p = Sigmoid.of(x);
            double ce = Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
            double oneMinusPt = 1 - (p * y + (1 - p) * (1 - y));
            double alphaT = alpha >= 0 ? alpha * y + (1 - alpha) * (1 - y) : 1.0;
            double modulating = Math.pow(oneMinusPt, gamma);
            // gamma (1 - p_t)^(gamma - 1) is 0 at gamma = 0 and must not become 0 * inf where 1 - p_t = 0
            double modulatingSlope = gamma == 0 || oneMinusPt == 0 ? 0 : gamma * Math.pow(oneMinusPt, gamma - 1);
            sum += alphaT * ce * modulating;
            double grad = alphaT * ((p - y) * modulating - ce * modulatingSlope * p * (1 - p) * (2 * y - 1));
            gradLogits[i] = (float) (grad * scale);
        }
        return sum * scale;
    }
}
