package org.esm2j.train.loss;

import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;

/**
 * Combines the losses of several tasks into one. Either with fixed weights, {@code L = sum_i w_i L_i}, or with learned
 * uncertainty weighting (Kendall, Gal and Cipolla 2018) in its common form with {@code s_i = log sigma_i^2}:
 * {@code L = sum_i exp(-s_i) L_i + s_i}. The {@code s_i} are trainable parameters in the layout entry
 * {@link #LOG_VARIANCE} (declare it with {@link #declare}; start it at 0, i.e. every weight 1), so the optimizer
 * updates them with the rest of the model.
 *
 * <p>{@link #combine} gives the total loss and, per task, {@code dL/dL_i} ({@code w_i}, or {@code exp(-s_i)}): the
 * caller scales each task's loss gradient by it before the backward pass. For uncertainty weighting it also writes
 * {@code dL/ds_i = 1 - exp(-s_i) L_i} into the gradient buffer.
 */
public final class MultiTaskLoss {
    /** Layout entry of the learned log-variances, shape (tasks). */
    public static final String LOG_VARIANCE = "multitask.log_variance";

    private final int tasks;
    private final double[] fixedWeights;

    private MultiTaskLoss(int tasks, double[] fixedWeights) {
        LossArguments.requirePositive("number of tasks", tasks);
        this.tasks = tasks;
        this.fixedWeights = fixedWeights;
    }

    /** {@code L = sum_i w_i L_i} with the given weights. */
    public static MultiTaskLoss fixed(double... weights) {
        for (int i = 0; i < weights.length; i++) {
            if (!Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("weight of task " + i + " must be finite: " + weights[i]);
            }
        }
        return new MultiTaskLoss(weights.length, weights.clone());
    }

    /** {@code L = sum_i exp(-s_i) L_i + s_i} with learned {@code s_i}. */
    public static MultiTaskLoss uncertainty(int tasks) {
        return new MultiTaskLoss(tasks, null);
    }

    public int tasks() {
        return tasks;
    }

    public boolean learned() {
        return fixedWeights == null;
    }

    /** Adds the {@link #LOG_VARIANCE} entry (trainable) for uncertainty weighting; fixed weights need none. */
    public void declare(ParameterLayout.Builder layout) {
        if (learned()) {
            layout.add(LOG_VARIANCE, new long[] {tasks}, true);
        }
    }

    /** The total loss and {@code dL/dL_i} per task. */
    public record Combined(double loss, double[] taskScales) {
    }

    /**
     * @param taskLosses {@code L_i}, one per task
     * @param layout the layout with {@link #LOG_VARIANCE} when learned (ignored for fixed weights)
     * @param params parameter buffer holding {@code s_i} (ignored for fixed weights)
     * @param grads gradient buffer; {@code dL/ds_i} is written at {@link #LOG_VARIANCE} (ignored for fixed weights)
     */
    public Combined combine(double[] taskLosses, ParameterLayout layout, float[] params, float[] grads) {
        LossArguments.requireLength("task losses", taskLosses.length, tasks);
        double[] scales = new double[tasks];
        double total = 0;
        if (!learned()) {
            for (int i = 0; i < tasks; i++) {
                scales[i] = fixedWeights[i];
                total += fixedWeights[i] * taskLosses[i];
            }
            return new Combined(total, scales);
        }
        ParameterEntry entry = layout.entry(LOG_VARIANCE);
        LossArguments.requireLength(LOG_VARIANCE, entry.length(), tasks);
        for (int i = 0; i < tasks; i++) {
            double s = params[entry.offset() + i];
            double precision = Math.exp(-s);
            scales[i] = precision;
            total += precision * taskLosses[i] + s;
            grads[entry.offset() + i] = (float) (1 - precision * taskLosses[i]);
        }
        return new Combined(total, scales);
    }
}
