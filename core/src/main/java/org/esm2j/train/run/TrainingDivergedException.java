package org.esm2j.train.run;

/**
 * A training step produced a NaN or infinite loss or gradient; the run stops before the optimizer applies it, so the
 * last checkpoint is still sound.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private final long step;
    private final String tensor;

    TrainingDivergedException(long step, String tensor, String message) {
        super(message);
        this.step = step;
        this.tensor = tensor;
    }

    /** The optimizer step (1-based) that diverged. */
    public long step() {
        return step;
    }

    /** The first tensor in layout order whose gradient is not finite, or {@code "loss"} when only the loss is not. */
    public String tensor() {
        return tensor;
    }
}
