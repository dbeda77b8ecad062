package org.esm2j.train.head;

import static org.esm2j.train.TrainingGoldens.floats;
import static org.esm2j.train.TrainingGoldens.ints;
import static org.esm2j.train.TrainingGoldens.list;
import static org.esm2j.train.TrainingGoldens.number;
import static org.esm2j.train.TrainingGoldens.object;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.TrainingGoldens;
import org.junit.jupiter.api.Test;

/**
 * Pooling and heads against PyTorch autograd in float64 (testdata/training/head.json): the outputs, and the gradients
 * of {@code sum(output * G)} for a fixed random G with respect to the head's parameters and the representation. A
 * packed batch of three sequences (one with a single residue, one with a {@code <mask>} residue). Sums run in double
 * and are rounded to float32 once per element, so 1e-6 absolute + 1e-5 relative covers float32 inputs and rounding.
 */
class HeadGoldenTest {
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;
    private static final Map<String, Object> GOLDEN = TrainingGoldens.read("head.json");
    private static final int DIM = (int) number(GOLDEN, "dim");
    private static final int LABELS = (int) number(GOLDEN, "labels");
    private static final PackedSequences BATCH = new PackedSequences(ints(GOLDEN.get("tokens")),
            ints(GOLDEN.get("offsets")));

    @Test
    void meanPoolingWithLinearHead() {
        check("mean_linear", new SequenceClassifier(new MeanPooling(), new LinearHead("head", DIM, LABELS)));
    }

    @Test
    void clsPoolingWithHuggingFaceClassificationHead() {
        check("cls_mlp", SequenceClassifier.huggingFace(DIM, LABELS, 0.1, new SeededRandom(1)));
    }

    @Test
    void attentionPoolingWithLinearHead() {
        check("attention_linear",
                new SequenceClassifier(new AttentionPooling(DIM), new LinearHead("head", DIM, LABELS)));
    }

    @Test
    void attentionPoolingStartsAsMeanPooling() {
        AttentionPooling attention = new AttentionPooling(DIM);
        ParameterLayout.Builder b = ParameterLayout.builder();
        attention.declare(b);
        ParameterLayout layout = b.build();
        float[] params = new float[layout.size()];
        java.util.Arrays.fill(params, 1f);
        attention.initialize(layout, params);
        float[] hidden = floats(GOLDEN.get("hidden"));
        float[] mean = new MeanPooling().forward(layout, params, hidden, BATCH, DIM);
        NumericAssert.assertClose("zero-initialised attention pooling vs mean pooling",
                attention.forward(layout, params, hidden, BATCH, DIM), mean, 1e-7, 1e-6);
    }

    @Test
    void tokenClassifierOnEveryRow() {
        TokenClassifier classifier = new TokenClassifier(DIM, LABELS, 0.1, new SeededRandom(1));
        Map<String, Object> c = object(object(GOLDEN, "cases"), "token_classifier");
        ParameterLayout.Builder b = ParameterLayout.builder();
        classifier.declare(b);
        ParameterLayout layout = b.build();
        assertLayout(c, layout);
        classifier.setTraining(false);
        float[] params = floats(c.get("params"));
        float[] hidden = floats(GOLDEN.get("hidden"));
        float[] out = classifier.forward(layout, params, hidden, BATCH);
        NumericAssert.assertClose("token_classifier output", out, floats(c.get("output")), ATOL, RTOL);
        float[] grads = new float[layout.size()];
        float[] dHidden = new float[hidden.length];
        classifier.backward(layout, params, grads, floats(c.get("grad_output")), dHidden);
        NumericAssert.assertClose("token_classifier parameter gradients", grads, floats(c.get("grads")), ATOL, RTOL);
        NumericAssert.assertClose("token_classifier representation gradient", dHidden,
                floats(c.get("grad_hidden")), ATOL, RTOL);
    }

    @Test
    void tokenTargetsIgnoreClsEosAndUnlabelledResidues() {
        PackedSequences batch = PackedSequences.of(new int[] {0, 5, 6, 2}, new int[] {0, 7, 2});
        int[] targets = TokenClassifier.targets(batch, new int[][] {{1, -100}, {0}});
        assertArrayEquals(new int[] {-100, 1, -100, -100, -100, 0, -100}, targets);
        assertThrows(IllegalArgumentException.class, () -> TokenClassifier.targets(batch, new int[][] {{1}, {0}}));
    }

    /**
     * In training, dropout masks are fixed by the random state, so restoring the state before each forward makes the
     * head a smooth function whose finite differences must match backward; evaluation mode is the plain head.
     */
    @Test
    void mlpHeadWithDropoutBackwardMatchesFiniteDifferences() {
        SeededRandom random = new SeededRandom(7);
        MlpHead head = new MlpHead("classifier", DIM, 5, LABELS, 0.3, random);
        ParameterLayout.Builder b = ParameterLayout.builder();
        head.declare(b);
        ParameterLayout layout = b.build();
        float[] params = new float[layout.size()];
        head.initialize(layout, params, new SeededRandom(3));
        for (int i = 0; i < params.length; i++) {
            params[i] += (float) (0.3 * Math.sin(i + 1.0)); // non-zero biases and larger weights than N(0, 0.02)
        }
        int rows = 4;
        float[] x = new float[rows * DIM];
        float[] g = new float[rows * LABELS];
        SeededRandom data = new SeededRandom(11);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) data.nextGaussian();
        }
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) data.nextGaussian();
        }
        long state = random.state();
        float[] trained = head.forward(layout, params, x, rows);
        float[] grads = new float[layout.size()];
        float[] dx = new float[x.length];
        head.backward(layout, params, grads, g, dx);

        float[] numericDx = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            numericDx[i] = centralDifference(x, i, () -> {
                random.setState(state);
                return dot(head.forward(layout, params, x, rows), g);
            });
        }
        NumericAssert.assertClose("dropout head d(input) vs finite differences", dx, numericDx, 2e-4, 2e-3);
        float[] numericGrads = new float[params.length];
        for (int i = 0; i < params.length; i++) {
            numericGrads[i] = centralDifference(params, i, () -> {
                random.setState(state);
                return dot(head.forward(layout, params, x, rows), g);
            });
        }
        NumericAssert.assertClose("dropout head d(params) vs finite differences", grads, numericGrads, 2e-4, 2e-3);

        head.setTraining(false);
        float[] eval = head.forward(layout, params, x, rows);
        MlpHead plain = new MlpHead("classifier", DIM, 5, LABELS);
        assertArrayEquals(plain.forward(layout, params, x, rows), eval, "evaluation mode is the head without dropout");
        assertFalse(java.util.Arrays.equals(eval, trained), "training mode drops something");
    }

    private static float centralDifference(float[] values, int i, java.util.function.DoubleSupplier f) {
        float v = values[i];
        float h = 1e-2f;
        values[i] = v + h;
        double plus = f.getAsDouble();
        values[i] = v - h;
        double minus = f.getAsDouble();
        values[i] = v;
        return (float) ((plus - minus) / ((double) (v + h) - (v - h)));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static void check(String name, SequenceClassifier classifier) {
        Map<String, Object> c = object(object(GOLDEN, "cases"), name);
        ParameterLayout.Builder b = ParameterLayout.builder();
        classifier.declare(b);
        ParameterLayout layout = b.build();
        assertLayout(c, layout);
        classifier.setTraining(false);
        float[] params = floats(c.get("params"));
        float[] hidden = floats(GOLDEN.get("hidden"));
        float[] out = classifier.forward(layout, params, hidden, BATCH);
        NumericAssert.assertClose(name + " output", out, floats(c.get("output")), ATOL, RTOL);
        float[] grads = new float[layout.size()];
        float[] dHidden = new float[hidden.length];
        java.util.Arrays.fill(dHidden, 0.5f); // backward adds into what the caller already has
        classifier.backward(layout, params, grads, floats(c.get("grad_output")), dHidden);
        for (int i = 0; i < dHidden.length; i++) {
            dHidden[i] -= 0.5f;
        }
        NumericAssert.assertClose(name + " parameter gradients", grads, floats(c.get("grads")), ATOL, RTOL);
        NumericAssert.assertClose(name + " representation gradient", dHidden, floats(c.get("grad_hidden")), ATOL,
                RTOL);
    }

    @SuppressWarnings("unchecked")
    private static void assertLayout(Map<String, Object> c, ParameterLayout layout) {
        var expected = list(c, "layout");
        assertEquals(expected.size(), layout.entries().size(), "entries: " + layout.entries());
        for (int i = 0; i < expected.size(); i++) {
            Map<String, Object> e = (Map<String, Object>) expected.get(i);
            ParameterEntry actual = layout.entries().get(i);
            assertEquals(e.get("name"), actual.name());
            int[] shape = ints(e.get("shape"));
            assertArrayEquals(java.util.Arrays.stream(shape).asLongStream().toArray(), actual.shape(), actual.name());
        }
    }
}
