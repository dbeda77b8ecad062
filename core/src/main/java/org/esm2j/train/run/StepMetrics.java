package org.esm2j.train.run;

/**
 * What one optimizer step of a {@link TrainingRun} measured, as a {@link TrainingListener} receives it.
 *
 * @param step optimizer steps done, this one included (1 for the first)
 * @param epoch the epoch the step's last micro-batch came from (0-based)
 * @param loss the step's training loss (mean over its micro-batches)
 * @param learningRate the learning rate of the first parameter group for this step
 * @param gradientNorm global 2-norm of the trainable gradients before clipping
 * @param tokens tokens (with {@code <cls>} and {@code <eos>}) in this step's micro-batches
 * @param tokensPerSecond tokens of this step over its wall time
 * @param elapsedSeconds wall time since the run (or its resumption) started
 * @param residentBytes the process's resident memory, or the JVM heap in use where the OS does not say
 */
public record StepMetrics(long step, long epoch, double loss, double learningRate, double gradientNorm, long tokens,
        double tokensPerSecond, double elapsedSeconds, long residentBytes) {
}
