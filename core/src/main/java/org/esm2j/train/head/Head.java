package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;

/**
 * A trainable map from rows of {@link #inputSize()} features to rows of {@link #outputSize()} outputs (logits or
 * regression values), with its parameters in a {@link ParameterLayout}. {@link #forward} keeps what {@link #backward}
 * needs, so a backward belongs to the forward just before it.
 */
public interface Head {
    int inputSize();

    int outputSize();

    /** Adds the head's entries to the layout (after the backbone's). */
    void declare(ParameterLayout.Builder layout);

    /** Starting values as Hugging Face initialises a fresh head: weights N(0, 0.02), biases 0. */
    void initialize(ParameterLayout layout, float[] params, SeededRandom random);

    /** Training turns dropout on; evaluation makes it the identity. */
    void setTraining(boolean training);

    /**
     * @param input (rows, inputSize) row-major; kept by reference until backward
     * @return (rows, outputSize)
     */
    float[] forward(ParameterLayout layout, float[] params, float[] input, int rows);

    /**
     * Adds the parameter gradients into {@code grads} and d(loss)/d(input) into {@code dInput}.
     *
     * @param dOutput (rows, outputSize) d(loss)/d(output)
     * @param dInput (rows, inputSize), added into
     */
    void backward(ParameterLayout layout, float[] params, float[] grads, float[] dOutput, float[] dInput);
}
