package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;

/**
 * Turns the final representation of a packed batch, (N, D), into one D-vector per sequence, (B, D). {@link #forward}
 * keeps what {@link #backward} needs, so a backward belongs to the forward just before it.
 */
public interface Pooling {
    /** Adds this pooling's parameters (if any) to the layout. */
    void declare(ParameterLayout.Builder layout);

    /** Sets freshly created parameters (if any) to their starting values. */
    void initialize(ParameterLayout layout, float[] params);

    /**
     * @param hidden (N, D) row-major
     * @return (B, D) pooled vectors
     */
    float[] forward(ParameterLayout layout, float[] params, float[] hidden, PackedSequences batch, int dim);

    /**
     * Adds d(loss)/d(hidden) into {@code dHidden} (N, D) and the parameter gradients into {@code grads}.
     *
     * @param dPooled (B, D) d(loss)/d(pooled)
     */
    void backward(ParameterLayout layout, float[] params, float[] grads, float[] dPooled, float[] dHidden);
}
