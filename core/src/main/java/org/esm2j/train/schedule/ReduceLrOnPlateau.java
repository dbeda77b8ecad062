package org.esm2j.train.schedule;

import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.train.optim.Optimizer;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau}: after each validation, if the metric has not improved on the best
 * so far for more than {@code patience} validations, every group's learning rate becomes
 * {@code max(lr * factor, min_lr)} (changes smaller than 1e-8 are skipped), followed by {@code cooldown} validations in
 * which bad results are not counted. "Improved" is, for mode min, {@code metric < best (1 - threshold)} (relative) or
 * {@code metric < best - threshold} (absolute), and the mirror image for max. Unlike the step schedules it changes the
 * optimizer's current rates, so it is the only schedule with state to checkpoint ({@link #exportState}).
 */
public final class ReduceLrOnPlateau {
    /** Torch's smallest change of learning rate that is applied. */
    public static final double EPS = 1e-8;

    private final MetricMode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final boolean relativeThreshold;
    private final int cooldown;
    private final double[] minLr;
    private double best;
    private int badEpochs;
    private int cooldownCounter;
    private long epochs;

    /** Torch's defaults: factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0, min_lr 0. */
    public ReduceLrOnPlateau(MetricMode mode) {
        this(mode, 0.1, 10, 1e-4, true, 0, 0.0);
    }

    /** One {@code min_lr} for every group. */
    public ReduceLrOnPlateau(MetricMode mode, double factor, int patience, double threshold,
            boolean relativeThreshold, int cooldown, double minLr) {
        this(mode, factor, patience, threshold, relativeThreshold, cooldown, new double[] {minLr});
    }

    /**
     * @param minLr one floor per optimizer group, or a single value for all groups
     */
    public ReduceLrOnPlateau(MetricMode mode, double factor, int patience, double threshold,
            boolean relativeThreshold, int cooldown, double[] minLr) {
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("plateau factor must be in (0, 1): " + factor);
        }
        if (patience < 0 || cooldown < 0) {
            throw new IllegalArgumentException("patience and cooldown must be >= 0: " + patience + ", " + cooldown);
        }
        if (!(threshold >= 0)) {
            throw new IllegalArgumentException("plateau threshold must be >= 0: " + threshold);
        }
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.relativeThreshold = relativeThreshold;
        this.cooldown = cooldown;
        this.minLr = minLr.clone();
        this.best = mode.worst();
    }

    /**
     * Records one validation result and lowers the optimizer's learning rates if the plateau has lasted long enough.
     *
     * @return true when the rates were lowered
     */
    public boolean step(double metric, Optimizer optimizer) {
        if (minLr.length != 1 && minLr.length != optimizer.groups().size()) {
            throw new IllegalArgumentException("min_lr has " + minLr.length + " values but the optimizer has "
                    + optimizer.groups().size() + " groups");
        }
        epochs++;
        if (isBetter(metric)) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            badEpochs = 0;
        }
        if (badEpochs <= patience) {
            return false;
        }
        for (int g = 0; g < optimizer.groups().size(); g++) {
            double old = optimizer.learningRate(g);
            double lowered = Math.max(old * factor, minLr[minLr.length == 1 ? 0 : g]);
            if (old - lowered > EPS) {
                optimizer.setLearningRate(g, lowered);
            }
        }
        cooldownCounter = cooldown;
        badEpochs = 0;
        return true;
    }

    public double best() {
        return best;
    }

    private boolean isBetter(double metric) {
        if (mode == MetricMode.MIN) {
            return relativeThreshold ? metric < best * (1 - threshold) : metric < best - threshold;
        }
        return relativeThreshold ? metric > best * (1 + threshold) : metric > best + threshold;
    }

    /** best, bad_epochs, cooldown_counter and last_epoch, for a checkpoint. */
    public Map<String, Double> exportState() {
        Map<String, Double> state = new LinkedHashMap<>();
        state.put("best", best);
        state.put("num_bad_epochs", (double) badEpochs);
        state.put("cooldown_counter", (double) cooldownCounter);
        state.put("last_epoch", (double) epochs);
        return state;
    }

    public void importState(Map<String, Double> state) {
        best = StateValues.require(state, "best");
        badEpochs = (int) StateValues.require(state, "num_bad_epochs");
        cooldownCounter = (int) StateValues.require(state, "cooldown_counter");
        epochs = (long) StateValues.require(state, "last_epoch");
    }
}
