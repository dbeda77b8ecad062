package org.esm2j.train.run;

import java.util.Optional;

/**
 * How a {@link TrainingRun} ended.
 *
 * @param steps optimizer steps done in total (including those before a resumption)
 * @param reason why it stopped
 * @param lastValidation the last validation pass, if any ran
 * @param bestValidation the validation pass with the lowest loss, if any ran
 * @param elapsedSeconds wall time of this process's part of the run
 */
public record TrainingSummary(long steps, StopReason reason, Optional<ValidationMetrics> lastValidation,
        Optional<ValidationMetrics> bestValidation, double elapsedSeconds) {
}
