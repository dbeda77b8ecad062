package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;

/**
 * Dropout then one linear layer, {@code <prefix>.weight} (out, in) and {@code <prefix>.bias}. With prefix
 * {@code classifier} this is Hugging Face's EsmForTokenClassification head; on pooled vectors it is the linear probe
 * of the papers.
 */
public final class LinearHead implements Head {
    private final Linear linear;
    private final Dropout dropout;
    private float[] input;
    private int rows;

    /** No dropout. */
    public LinearHead(String prefix, int in, int out) {
        this(prefix, in, out, 0.0, null);
    }

    /** @param dropout probability applied to the input in training (needs {@code random} when &gt; 0) */
    public LinearHead(String prefix, int in, int out, double dropout, SeededRandom random) {
        this.linear = new Linear(prefix, in, out);
        this.dropout = new Dropout(dropout, random);
    }

    @Override
    public int inputSize() {
        return linear.in();
    }

    @Override
    public int outputSize() {
        return linear.out();
    }

    @Override
    public void declare(ParameterLayout.Builder layout) {
        linear.declare(layout);
    }

    @Override
    public void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
        linear.initialize(layout, params, random);
    }

    @Override
    public void setTraining(boolean training) {
        dropout.setTraining(training);
    }

    @Override
    public float[] forward(ParameterLayout layout, float[] params, float[] x, int rows) {
        HeadArguments.requireRows("head input", x, rows, linear.in());
        this.input = dropout.forward(x);
        this.rows = rows;
        return linear.forward(layout, params, input, rows);
    }

    @Override
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dOutput, float[] dInput) {
        HeadArguments.requireForward(input);
        HeadArguments.requireRows("dInput", dInput, rows, linear.in());
        dropout.backward(dInput, dx -> linear.backward(layout, params, grads, input, dOutput, dx, rows));
    }
}
