package org.esm2j.train.schedule;

/** Whether a validation metric improves downwards (loss, perplexity) or upwards (accuracy, Fmax). */
public enum MetricMode {
    MIN, MAX;

    /** The starting "best" value, which any finite metric improves on. */
    double worst() {
        return this == MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }
}
