package org.esm2j.train.schedule;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when a validation metric has not improved for {@code patience} validations in a row, as Keras's and
 * PyTorch Lightning's EarlyStopping: a result improves when it beats the best so far by more than {@code minDelta}
 * ({@code metric < best - minDelta} for min, {@code metric > best + minDelta} for max); the first result always
 * improves. A NaN metric never improves.
 */
public final class EarlyStopping {
    private final MetricMode mode;
    private final int patience;
    private final double minDelta;
    private double best;
    private int sinceImprovement;
    private boolean lastImproved;

    public EarlyStopping(MetricMode mode, int patience, double minDelta) {
        if (patience < 1) {
            throw new IllegalArgumentException("early-stopping patience must be >= 1: " + patience);
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("early-stopping min delta must be >= 0: " + minDelta);
        }
        this.mode = mode;
        this.patience = patience;
        this.minDelta = minDelta;
        this.best = mode.worst();
    }

    /**
     * Records one validation result.
     *
     * @return true when training should stop now
     */
    public boolean update(double metric) {
        lastImproved = mode == MetricMode.MIN ? metric < best - minDelta : metric > best + minDelta;
        if (lastImproved) {
            best = metric;
            sinceImprovement = 0;
        } else {
            sinceImprovement++;
        }
        return shouldStop();
    }

    public boolean shouldStop() {
        return sinceImprovement >= patience;
    }

    /** Whether the last result was a new best (the moment to save the best checkpoint). */
    public boolean lastImproved() {
        return lastImproved;
    }

    public double best() {
        return best;
    }

    /** Validations since the last improvement. */
    public int sinceImprovement() {
        return sinceImprovement;
    }

    public Map<String, Double> exportState() {
        Map<String, Double> state = new LinkedHashMap<>();
        state.put("best", best);
        state.put("since_improvement", (double) sinceImprovement);
        state.put("last_improved", lastImproved ? 1.0 : 0.0);
        return state;
    }

    public void importState(Map<String, Double> state) {
        best = StateValues.require(state, "best");
        sinceImprovement = (int) StateValues.require(state, "since_improvement");
        lastImproved = StateValues.require(state, "last_improved") != 0;
    }
}
