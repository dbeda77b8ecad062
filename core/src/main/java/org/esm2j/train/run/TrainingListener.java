package org.esm2j.train.run;

import java.nio.file.Path;

/** Receives what a {@link TrainingRun} does, on the training thread; every method defaults to doing nothing. */
public interface TrainingListener {
    default void onStep(StepMetrics metrics) {
    }

    default void onValidation(ValidationMetrics metrics) {
    }

    /** A checkpoint of {@code step} is complete in {@code directory}. */
    default void onCheckpoint(long step, Path directory) {
    }

    default void onFinish(TrainingSummary summary) {
    }
}
