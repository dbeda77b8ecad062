package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The naive bf16 forward (the noise floor of the CUDA tests) on the two-layer fixtures with dims 64 and 320, against
 * the fp32 CPU runtime on the golden sequences: close at bf16 level, yet farther from it than fp32 arithmetic could
 * be, and made of bf16 values only; so the rounding really happens, and nothing else differs.
 */
class NaiveBf16ForwardTest {
    /**
     * Allowed max abs error as a fraction of the largest |value| of each output: about eight bf16 half-ulps (2^-8) at
     * that scale. Measured: 0.7-1.1% for logits (which reach ~60 on these fixtures) and representations alike.
     */
    private static final double SCALE_FRACTION = 0.03;
    /**
     * Without the rounding (every bf16 step an identity) this forward meets the fp32 runtime within 7e-5 on these
     * fixtures; with it, the error must be far above that.
     */
    private static final double MIN_BF16_ERROR = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.TINY, Fixtures.HEADS20})
    void isCloseToTheFp32RuntimeButRoundedToBf16(String model) {
        Esm2Weights weights = CheckpointLoader.load(Fixtures.metaCheckpoint(model)).weights();
        int layers = weights.config().numLayers();
        Golden golden = Golden.of(model);
        TreeSet<Integer> lastLayer = new TreeSet<>(List.of(layers));
        NaiveBf16Forward naive = new NaiveBf16Forward(weights);
        double logitError = 0;
        double representationError = 0;
        try (CpuRuntime cpu = new CpuRuntime(weights)) {
            for (int i = 0; i < golden.sequences().size(); i++) {
                int[] tokens = golden.tokens(i);
                ForwardResult fp32 = cpu.forward(List.of(tokens), new ForwardRequest(lastLayer, true, false, false));
                NaiveBf16Forward.Output bf16 = naive.forward(tokens);
                String what = model + " seq " + i + " naive bf16 vs fp32";
                float[] logits = fp32.logits(0);
                float[] last = fp32.representation(layers, 0);
                logitError = Math.max(logitError, NumericAssert.assertClose(what + " logits", bf16.logits(), logits,
                        SCALE_FRACTION * maxAbs(logits), 0).maxAbs());
                representationError = Math.max(representationError, NumericAssert.assertClose(what + " last layer",
                        bf16.lastRepresentation(), last, SCALE_FRACTION * maxAbs(last), 0).maxAbs());
                assertBf16Values(what + " logits", bf16.logits());
                assertBf16Values(what + " last layer", bf16.lastRepresentation());
            }
        }
        assertTrue(logitError > MIN_BF16_ERROR, model + ": logits differ by only " + logitError);
        assertTrue(representationError > MIN_BF16_ERROR, model + ": representations differ by only "
                + representationError);
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static void assertBf16Values(String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            assertEquals(NaiveBf16Forward.bf16(values[i]), values[i], 0, what + " element " + i + " is not a bf16");
        }
    }
}
