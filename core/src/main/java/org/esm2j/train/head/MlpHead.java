package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;

/**
 * Hugging Face's EsmClassificationHead: dropout, {@code <prefix>.dense} (hidden x in), tanh, dropout,
 * {@code <prefix>.out_proj} (out x hidden). With prefix {@code classifier} and hidden = D its entries are
 * EsmForSequenceClassification's {@code classifier.dense.*} and {@code classifier.out_proj.*}, so a head trained here
 * loads there and the reverse.
 */
public final class MlpHead implements Head {
    private final Linear dense;
    private final Linear outProj;
    private final Dropout inputDropout;
    private final Dropout hiddenDropout;
    private float[] input;
    private float[] activation;
    private float[] droppedActivation;
    private int rows;

    /** No dropout. */
    public MlpHead(String prefix, int in, int hidden, int out) {
        this(prefix, in, hidden, out, 0.0, null);
    }

    /** @param dropout probability of both dropouts in training (needs {@code random} when &gt; 0) */
    public MlpHead(String prefix, int in, int hidden, int out, double dropout, SeededRandom random) {
        this.dense = new Linear(prefix + ".dense", in, hidden);
        this.outProj = new Linear(prefix + ".out_proj", hidden, out);
        this.inputDropout = new Dropout(dropout, random);
        this.hiddenDropout = new Dropout(dropout, random);
    }

    @Override
    public int inputSize() {
        return dense.in();
    }

    @Override
    public int outputSize() {
        return outProj.out();
    }

    @Override
    public void declare(ParameterLayout.Builder layout) {
        dense.declare(layout);
        outProj.declare(layout);
    }

    @Override
    public void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
        dense.initialize(layout, params, random);
        outProj.initialize(layout, params, random);
    }

    @Override
    public void setTraining(boolean training) {
        inputDropout.setTraining(training);
        hiddenDropout.setTraining(training);
    }

    @Override
    public float[] forward(ParameterLayout layout, float[] params, float[] x, int rows) {
        HeadArguments.requireRows("head input", x, rows, dense.in());
        this.rows = rows;
        this.input = inputDropout.forward(x);
        float[] h = dense.forward(layout, params, input, rows);
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) Math.tanh(h[i]);
        }
        this.activation = h;
        this.droppedActivation = hiddenDropout.forward(h);
        return outProj.forward(layout, params, droppedActivation, rows);
    }

    @Override
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dOutput, float[] dInput) {
        HeadArguments.requireForward(input);
        HeadArguments.requireRows("dInput", dInput, rows, dense.in());
        float[] dPre = new float[rows * dense.out()];
        hiddenDropout.backward(dPre,
                dDropped -> outProj.backward(layout, params, grads, droppedActivation, dOutput, dDropped, rows));
        for (int i = 0; i < dPre.length; i++) {
            float t = activation[i];
            dPre[i] *= 1 - t * t;
        }
        inputDropout.backward(dInput, dx -> dense.backward(layout, params, grads, input, dPre, dx, rows));
    }
}
