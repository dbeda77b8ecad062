package org.esm2j.function.probe;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.head.Head;
import org.esm2j.train.head.LinearHead;
import org.esm2j.train.head.MlpHead;

/**
 * A trained probe on standardised embeddings, built from the training engine's heads: multi-label logistic regression
 * ({@link LinearHead}, kind {@code logreg}) or Hugging Face's classification MLP ({@link MlpHead}: dense, tanh,
 * out_proj; kind {@code mlp}); scores are the sigmoids of the logits. Tensor names are those of Hugging Face's ESM
 * heads ({@code classifier.weight}, or {@code classifier.dense.*} and {@code classifier.out_proj.*}). The input is
 * standardised with the training set's per-feature mean and standard deviation, stored with the weights.
 *
 * <p>Immutable and thread-safe: the heads keep per-call state for their backward pass, so each {@link #score} call
 * builds its own (a few small objects; the weights stay in one shared read-only array).
 */
public final class FeedForwardProbe implements EmbeddingHead {
    public static final String LOGREG = "logreg";
    public static final String MLP = "mlp";
    static final String PREFIX = "classifier";
    static final String INPUT_MEAN = "input.mean";
    static final String INPUT_SCALE = "input.scale";

    private final Shape shape;
    private final float[] params; // in shape.layout() order
    private final float[] inputMean;
    private final float[] inputScale; // 1 / std
    private final Map<String, Object> trainingConfig;

    FeedForwardProbe(Shape shape, float[] params, float[] inputMean, float[] inputScale,
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
    record Shape(int inputs, int hidden, int terms, ParameterLayout layout) {
        static Shape of(int inputs, int hidden, int terms) {
            if (inputs < 1 || terms < 1 || hidden < 0) {
                throw new InvalidInputException("probe sizes must be positive: inputs " + inputs + ", hidden " + hidden
                        + ", terms " + terms);
            }
            ParameterLayout.Builder b = ParameterLayout.builder();
            new Shape(inputs, hidden, terms, null).newHead(0.0, null).declare(b);
            return new Shape(inputs, hidden, terms, b.build());
        }

        /** A fresh head of this shape; dropout (inputs, and hidden units of an MLP) in training only. */
        Head newHead(double dropout, SeededRandom random) {
            return hidden > 0 ? new MlpHead(PREFIX, inputs, hidden, terms, dropout, random)
                    : new LinearHead(PREFIX, inputs, terms, dropout, random);
        }
    }

    /**
     * A head trained end to end together with its backbone, on the pooled states as they are (no standardisation:
     * the mean is 0 and the scale 1, which leave every value unchanged).
     *
     * @param kind {@link #MLP} (tensors {@code classifier.dense.*}, {@code classifier.out_proj.*}) or {@link #LOGREG}
     *     ({@code classifier.weight}, {@code classifier.bias})
     */
    public static FeedForwardProbe unstandardised(String kind, Map<String, Tensor> headTensors,
            Map<String, Object> trainingConfig) {
        Tensor first = headTensors.get(MLP.equals(kind) ? PREFIX + ".dense.weight" : PREFIX + ".weight");
        if (first == null) {
            throw new IllegalArgumentException("the " + kind + " head's weights are missing: " + headTensors.keySet());
        }
        int inputs = (int) first.dim(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>(headTensors);
        float[] ones = new float[inputs];
        Arrays.fill(ones, 1f);
        tensors.put(INPUT_MEAN, Tensor.ofFloats(new float[inputs], inputs));
        tensors.put(INPUT_SCALE, Tensor.ofFloats(ones, inputs));
        return restore(kind, trainingConfig, tensors);
    }

    static FeedForwardProbe restore(String kind, Map<String, Object> config, Map<String, Tensor> tensors) {
        Tensor mean = tensors.get(INPUT_MEAN);
        int inputs = (int) mean.dim(0);
        Tensor out = tensors.get(MLP.equals(kind) ? PREFIX + ".out_proj.weight" : PREFIX + ".weight");
        int terms = (int) out.dim(0);
        int hidden = MLP.equals(kind) ? (int) out.dim(1) : 0;
        Shape shape = Shape.of(inputs, hidden, terms);
        float[] params = new float[shape.layout().size()];
        for (var e : shape.layout().entries()) {
            Tensor t = tensors.get(e.name());
            if (t == null || !t.hasShape(e.shape())) {
                throw new IllegalArgumentException("tensor " + e.name() + " is missing or not of shape "
                        + Arrays.toString(e.shape()));
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
        Head head = shape.newHead(0.0, null);
        head.setTraining(false);
        float[] logits = head.forward(shape.layout(), params, standardise(embedding, inputMean, inputScale), 1);
        float[] scores = new float[logits.length];
        for (int t = 0; t < logits.length; t++) {
            scores[t] = (float) (1.0 / (1.0 + Math.exp(-logits[t])));
        }
        return scores;
    }

    static float[] standardise(float[] v, float[] mean, float[] scale) {
        float[] x = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            x[i] = (v[i] - mean[i]) * scale[i];
        }
        return x;
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (var e : shape.layout().entries()) {
            m.put(e.name(), Tensor.ofFloats(Arrays.copyOfRange(params, e.offset(), e.end()), e.shape()));
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
