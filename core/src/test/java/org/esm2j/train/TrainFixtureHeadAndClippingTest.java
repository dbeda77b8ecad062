package org.esm2j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.head.LinearHead;
import org.esm2j.train.loss.BceWithLogitsLoss;
import org.esm2j.train.optim.GradientClipping;
import org.junit.jupiter.api.Test;

/**
 * The parts of testdata/fixtures/esm2_tiny_L2_D64_H4/train.safetensors (made with fair-esm and torch in float32) that
 * need no backbone: the multi-label head on the stored pooled vectors with BCE and pos_weight (logits, loss, head
 * gradients), and the global norm of the stored MLM gradients before clipping. Tolerances from the fixtures README:
 * losses 1e-5 relative, gradients 1e-4 * max(1, max|ref|), logits 1e-4 * max(1, |ref|).
 */
class TrainFixtureHeadAndClippingTest {
    private static final Safetensors.Contents TRAIN =
            Safetensors.read(Fixtures.model(Fixtures.TINY).resolve("train.safetensors"));
    private static final Map<String, Object> META = Json.parseObject(TRAIN.metadata().get("meta"));

    @Test
    void pooledMultiLabelHeadWithPosWeightMatchesFixture() {
        Tensor pooled = TRAIN.get("cls.pooled");
        int batch = (int) pooled.dim(0);
        int dim = (int) pooled.dim(1);
        int labels = (int) TRAIN.get("cls.head.weight").dim(0);
        LinearHead head = new LinearHead("cls.head", dim, labels);
        ParameterLayout.Builder b = ParameterLayout.builder();
        head.declare(b);
        ParameterLayout layout = b.build();
        float[] params = new float[layout.size()];
        copyInto(layout, params, "cls.head.weight", TRAIN.get("cls.head.weight").toFloatArray());
        copyInto(layout, params, "cls.head.bias", TRAIN.get("cls.head.bias").toFloatArray());

        float[] logits = head.forward(layout, params, pooled.toFloatArray(), batch);
        NumericAssert.assertClose("cls logits", logits, TRAIN.get("cls.logits").toFloatArray(), 1e-4, 1e-4);
        float[] dLogits = new float[logits.length];
        double loss = new BceWithLogitsLoss(labels, TRAIN.get("cls.pos_weight").toFloatArray())
                .compute(logits, TRAIN.get("cls.labels").toFloatArray(), batch, dLogits);
        double expectedLoss = ((Number) META.get("cls.loss")).doubleValue();
        assertEquals(expectedLoss, loss, 1e-5 * expectedLoss, "cls loss");

        float[] grads = new float[layout.size()];
        head.backward(layout, params, grads, dLogits, new float[pooled.toFloatArray().length]);
        for (String name : new String[] {"weight", "bias"}) {
            float[] expected = TRAIN.get("cls.head.grad." + name).toFloatArray();
            ParameterEntry e = layout.entry("cls.head." + name);
            float[] actual = java.util.Arrays.copyOfRange(grads, e.offset(), e.end());
            NumericAssert.assertClose("cls.head." + name + " gradient", actual, expected,
                    1e-4 * Math.max(1, maxAbs(expected)), 0);
        }
    }

    @Test
    void globalNormOfMlmGradientsMatchesTorch() {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (Map.Entry<String, Tensor> t : TRAIN.tensors().entrySet()) {
            if (t.getKey().startsWith("mlm.grad.")) {
                b.add(t.getKey(), t.getValue().shape(), true);
            }
        }
        ParameterLayout layout = b.build();
        float[] grads = new float[layout.size()];
        for (ParameterEntry e : layout.entries()) {
            copyInto(layout, grads, e.name(), TRAIN.get(e.name()).toFloatArray());
        }
        double expected = ((Number) META.get("mlm.grad_norm_before_clip")).doubleValue();
        double norm = GradientClipping.clipGlobalNorm(layout, grads, 1.0);
        assertEquals(expected, norm, 1e-5 * expected, "global gradient norm");
        assertEquals(1.0, GradientClipping.globalNorm(layout, grads), 1e-5, "norm after clipping to 1");
    }

    private static void copyInto(ParameterLayout layout, float[] buffer, String name, float[] values) {
        ParameterEntry e = layout.entry(name);
        assertEquals(e.length(), values.length, name);
        System.arraycopy(values, 0, buffer, e.offset(), values.length);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
