package org.esm2j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.junit.jupiter.api.Test;

/**
 * The random initialisations have the distributions their documentation states: bounds of uniform draws, the standard
 * deviation of normal draws (within 5% over thousands of values), constants where there are constants.
 */
class Esm2InitializationTest {
    private static final Esm2Config SHAPE = Esm2Config.of(2, 64, 4);

    @Test
    void fairEsmInitialisationFollowsPyTorchDefaultsAndFairseqAttentionReset() {
        Esm2Weights w = Esm2Initialization.FAIR_ESM.initialize(SHAPE, 3);
        assertStd("embedding", w.floats(Esm2Weights.EMBED_TOKENS), 1.0, Alphabet.PAD);
        double xavierQkv = Math.sqrt(6.0 / (64 + 64)) / Math.sqrt(2);
        assertUniform("q_proj.weight", w.floats("layers.0.self_attn.q_proj.weight"), xavierQkv);
        assertUniform("v_proj.weight", w.floats("layers.1.self_attn.v_proj.weight"), xavierQkv);
        assertUniform("q_proj.bias", w.floats("layers.0.self_attn.q_proj.bias"), 1 / Math.sqrt(64));
        assertUniform("out_proj.weight", w.floats("layers.0.self_attn.out_proj.weight"), Math.sqrt(6.0 / 128));
        assertConstant("out_proj.bias", w.floats("layers.0.self_attn.out_proj.bias"), 0f);
        assertUniform("fc1.weight", w.floats("layers.0.fc1.weight"), 1 / Math.sqrt(64));
        assertUniform("fc2.weight", w.floats("layers.0.fc2.weight"), 1 / Math.sqrt(256));
        assertUniform("fc2.bias", w.floats("layers.0.fc2.bias"), 1 / Math.sqrt(256));
        assertConstant("LayerNorm weight", w.floats("layers.1.final_layer_norm.weight"), 1f);
        assertConstant("LayerNorm bias", w.floats(Esm2Weights.FINAL_LN_BIAS), 0f);
        assertConstant("lm_head.bias", w.floats(Esm2Weights.LM_HEAD_BIAS), 0f);
        float[] invFreq = w.floats("layers.0.self_attn.rot_emb.inv_freq");
        assertEquals(8, invFreq.length);
        assertEquals(1f, invFreq[0]);
        assertEquals(1 / Math.pow(10000, 14 / 16.0), invFreq[7], 1e-7);
    }

    @Test
    void huggingFaceInitialisationDrawsSmallNormalWeightsAndZeroBiases() {
        Esm2Weights w = Esm2Initialization.HUGGING_FACE.initialize(SHAPE, 3);
        assertStd("embedding", w.floats(Esm2Weights.EMBED_TOKENS), 0.02, Alphabet.PAD);
        assertStd("fc1.weight", w.floats("layers.0.fc1.weight"), 0.02, -1);
        assertStd("lm_head.dense.weight", w.floats(Esm2Weights.LM_HEAD_DENSE_WEIGHT), 0.02, -1);
        assertConstant("fc1.bias", w.floats("layers.0.fc1.bias"), 0f);
        assertConstant("LayerNorm weight", w.floats("layers.0.self_attn_layer_norm.weight"), 1f);
    }

    @Test
    void aSeedGivesTheSameWeightsAndAnotherSeedOthers() {
        float[] a = Esm2Initialization.FAIR_ESM.initialize(SHAPE, 3).floats("layers.1.fc1.weight");
        assertArrayEquals(a, Esm2Initialization.FAIR_ESM.initialize(SHAPE, 3).floats("layers.1.fc1.weight"));
        float[] b = Esm2Initialization.FAIR_ESM.initialize(SHAPE, 4).floats("layers.1.fc1.weight");
        assertTrue(a[0] != b[0] || a[1] != b[1]);
    }

    private static void assertUniform(String what, float[] v, double bound) {
        double max = 0;
        double sumSq = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
            sumSq += (double) x * x;
        }
        assertTrue(max <= bound, what + ": |value| " + max + " beyond the bound " + bound);
        assertTrue(max > 0.9 * bound, what + ": largest |value| " + max + " far inside the bound " + bound);
        if (v.length >= 1000) {
            double std = Math.sqrt(sumSq / v.length);
            double expected = bound / Math.sqrt(3);
            assertEquals(expected, std, 0.05 * expected, what + ": standard deviation of U(-b, b) is b/sqrt 3");
        }
    }

    /** Zero-mean normal with the given standard deviation; row {@code zeroRow} (of 64 columns) must be all zero. */
    private static void assertStd(String what, float[] v, double std, int zeroRow) {
        double sumSq = 0;
        int n = 0;
        for (int i = 0; i < v.length; i++) {
            if (zeroRow >= 0 && i / 64 == zeroRow) {
                assertEquals(0f, v[i], what + ": the <pad> row must be zero");
                continue;
            }
            sumSq += (double) v[i] * v[i];
            n++;
        }
        assertEquals(std, Math.sqrt(sumSq / n), 0.05 * std, what + " standard deviation");
    }

    private static void assertConstant(String what, float[] v, float c) {
        for (float x : v) {
            assertEquals(c, x, what);
        }
    }
}
