package org.esm2j.train.run;

/** Why a {@link TrainingRun} ended. */
public enum StopReason {
    /** The configured number of optimizer steps is done. */
    MAX_STEPS,
    /** The configured number of epochs is done. */
    MAX_EPOCHS,
    /** The wall-time budget ran out (the step under way is finished first). */
    TIME_LIMIT,
    /** Early stopping: the validation metric stopped improving. */
    EARLY_STOPPING
}
