package org.esm2j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.junit.jupiter.api.Test;

class RandomWeightsTest {
    private static final Esm2Config SMALL = Esm2Config.of(2, 64, 4);

    @Test
    void coversEveryParameterIncludingTheContactHead() {
        Esm2Weights w = RandomWeights.create(SMALL, 1);
        assertTrue(w.hasContactHead());
        assertEquals(Esm2Weights.expectedShapes(SMALL, true).keySet(), w.tensors().keySet());
        assertTrue(w.extraNames().isEmpty());
    }

    @Test
    void sameSeedSameValuesOtherSeedOtherValues() {
        String name = Esm2Weights.layer(1, "fc1.weight");
        assertArrayEquals(RandomWeights.create(SMALL, 5).floats(name), RandomWeights.create(SMALL, 5).floats(name));
        assertFalse(Arrays.equals(RandomWeights.create(SMALL, 5).floats(name),
                RandomWeights.create(SMALL, 6).floats(name)));
    }

    @Test
    void valuesHaveTrainedModelScale() {
        Esm2Weights w = RandomWeights.create(SMALL, 2);
        float[] fc1 = w.floats(Esm2Weights.layer(0, "fc1.weight"));
        double sumSquares = 0;
        for (float v : fc1) {
            sumSquares += v * v;
        }
        double std = Math.sqrt(sumSquares / fc1.length);
        assertEquals(0.02, std, 0.002, "fc1 weight standard deviation");
        for (float g : w.floats(Esm2Weights.FINAL_LN_WEIGHT)) {
            assertEquals(1.0, g, 0.3, "LayerNorm gain");
        }
    }

    @Test
    void rotaryFrequenciesFollowTheFormula() {
        float[] invFreq = RandomWeights.create(SMALL, 3).floats(Esm2Weights.layer(0, "self_attn.rot_emb.inv_freq"));
        int headDim = SMALL.headDim();
        assertEquals(headDim / 2, invFreq.length);
        for (int i = 0; i < invFreq.length; i++) {
            assertEquals(1.0 / Math.pow(10000, 2.0 * i / headDim), invFreq[i], 1e-7, "inv_freq[" + i + "]");
        }
    }
}
