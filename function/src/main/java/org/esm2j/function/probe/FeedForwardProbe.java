package org.esm2j.function.probe;

import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.ParameterLayout;

/**
 * A trained probe on standardised embeddings: multi-label logistic regression (no hidden layer, kind {@code logreg})
 * or a one-hidden-layer MLP with ReLU (kind {@code mlp}); scores are the sigmoids of the output logits. The input is
 * standardised with the training set's per-feature mean and standard deviation, stored with the weights. Immutable;
 * {@link ProbeTrainer} makes one.
 */
public final class FeedForwardProbe implements EmbeddingHead {
    public static final String LOGREG = "logreg";
    public static final String MLP = "mlp";
    static final String HIDDEN_WEIGHT = "hidden.weight";
    static final String HIDDEN_BIAS = "hidden.bias";
    static final String OUT_WEIGHT = "out.weight";
    static final String OUT_BIAS = "out.bias";
    static final String INPUT_MEAN = "input.mean";
    static final String INPUT_SCALE = "input.scale";

    private final ProbeShape shape;
    private final float[] params; // in shape.layout() order
    private final float[] inputMean;
    private final float[] inputScale; // 1 / std
    private final Map<String, Object> trainingConfig;

    FeedForwardProbe(ProbeShape shape, float[] params, float[] inputMean, float[] inputScale,
            Map<String, Object> trainingConfig) {
        if (params.length != shape.layout().size()) {
            throw new IllegalArgumentException(params.length + " parameters for a layout of " + shape.layout().size());
        }
        this.shape = shape;
        this.params = params;
        this.inputMean = inputMean;
        this.inputScale = inputScale;
        this.trainingConfig = Map.copyOf(trainingConfig);
    }

    /**
     * The sizes of a probe and where its tensors sit in the flat parameter buffer.
     *
     * @param hidden hidden units, 0 for logistic regression
     */
    record ProbeShape(int inputs, int hidden, int terms, ParameterLayout layout) {
        static ProbeShape of(int inputs, int hidden, int terms) {
            if (inputs < 1 || terms < 1 || hidden < 0) {
                throw new InvalidInputException("probe sizes must be positive: inputs " + inputs + ", hidden " + hidden
                        + ", terms " + terms);
            }
            ParameterLayout.Builder b = ParameterLayout.builder();
            int last = inputs;
            if (hidden > 0) {
                b.add(HIDDEN_WEIGHT, new long[] {hidden, inputs}, true);
                b.add(HIDDEN_BIAS, new long[] {hidden}, true);
                last = hidden;
            }
            b.add(OUT_WEIGHT, new long[] {terms, last}, true);
            b.add(OUT_BIAS, new long[] {terms}, true);
            return new ProbeShape(inputs, hidden, terms, b.build());
        }

        int outInputs() {
            return hidden > 0 ? hidden : inputs;
        }
    }

    static FeedForwardProbe restore(String kind, Map<String, Object> config, Map<String, Tensor> tensors) {
        Tensor out = tensors.get(OUT_WEIGHT);
        Tensor mean = tensors.get(INPUT_MEAN);
        int inputs = (int) mean.dim(0);
        int terms = (int) out.dim(0);
        int hidden = MLP.equals(kind) ? (int) tensors.get(HIDDEN_WEIGHT).dim(0) : 0;
        ProbeShape shape = ProbeShape.of(inputs, hidden, terms);
        float[] params = new float[shape.layout().size()];
        for (var e : shape.layout().entries()) {
            Tensor t = tensors.get(e.name());
            if (t == null || !t.hasShape(e.shape())) {
                throw new IllegalArgumentException("tensor " + e.name() + " missing or of the wrong shape");
            }
            System.arraycopy(t.toFloatArray(), 0, params, e.offset(), e.length());
        }
        return new FeedForwardProbe(shape, params, mean.toFloatArray(), tensors.get(INPUT_SCALE).toFloatArray(),
                config);
    }

    @Override
    public String kind() {
        return shape.hidden() > 0 ? MLP : LOGREG;
    }

    @Override
    public int inputDimension() {
        return shape.inputs();
    }

    @Override
    public int termCount() {
        return shape.terms();
    }

    @Override
    public float[] score(float[] embedding) {
        Vectors.checkInput(embedding, shape.inputs());
        float[] x = standardise(embedding, inputMean, inputScale);
        float[] logits = new float[shape.terms()];
        forward(shape, params, x, 1, null, new float[shape.hidden()], logits);
        for (int t = 0; t < logits.length; t++) {
            logits[t] = (float) (1.0 / (1.0 + Math.exp(-logits[t])));
        }
        return logits;
    }

    static float[] standardise(float[] v, float[] mean, float[] scale) {
        float[] x = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            x[i] = (v[i] - mean[i]) * scale[i];
        }
        return x;
    }

    /**
     * Logits for {@code rows} inputs {@code x} (rows, inputs). For an MLP, {@code hiddenOut} (rows, hidden) receives
     * the post-ReLU (and post-dropout when {@code dropoutScale} is given: per-unit factor 0 or 1/(1-p)) activations.
     */
    static void forward(ProbeShape s, float[] p, float[] x, int rows, float[] dropoutScale, float[] hiddenOut,
            float[] logits) {
        float[] last = x;
        if (s.hidden() > 0) {
            int w = s.layout().entry(HIDDEN_WEIGHT).offset();
            int b = s.layout().entry(HIDDEN_BIAS).offset();
            affine(p, w, b, x, rows, s.inputs(), s.hidden(), hiddenOut);
            for (int i = 0; i < rows * s.hidden(); i++) {
                float h = Math.max(0f, hiddenOut[i]);
                hiddenOut[i] = dropoutScale == null ? h : h * dropoutScale[i];
            }
            last = hiddenOut;
        }
        affine(p, s.layout().entry(OUT_WEIGHT).offset(), s.layout().entry(OUT_BIAS).offset(), last, rows,
                s.outInputs(), s.terms(), logits);
    }

    /** out (rows, outs) = in (rows, ins) W^T + b, with W (outs, ins) at {@code w} and b at {@code b} in {@code p}. */
    static void affine(float[] p, int w, int b, float[] in, int rows, int ins, int outs, float[] out) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outs; o++) {
                double sum = p[b + o];
                int wRow = w + o * ins;
                int inRow = r * ins;
                for (int i = 0; i < ins; i++) {
                    sum += p[wRow + i] * in[inRow + i];
                }
                out[r * outs + o] = (float) sum;
            }
        }
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (var e : shape.layout().entries()) {
            float[] values = java.util.Arrays.copyOfRange(params, e.offset(), e.end());
            m.put(e.name(), Tensor.ofFloats(values, e.shape()));
        }
        m.put(INPUT_MEAN, Tensor.ofFloats(inputMean.clone(), inputMean.length));
        m.put(INPUT_SCALE, Tensor.ofFloats(inputScale.clone(), inputScale.length));
        return m;
    }

    /** The options it was trained with (for the record; the tensors alone rebuild it). */
    @Override
    public Map<String, Object> config() {
        return trainingConfig;
    }
}
