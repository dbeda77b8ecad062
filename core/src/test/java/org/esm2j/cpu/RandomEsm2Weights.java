package org.esm2j.cpu;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;

/**
 * Random ESM-2 weights of any shape for tests: embeddings N(0, 1), LayerNorm gains 1 + N(0, 0.1), other tensors
 * N(0, 1 / fan_in), rotary inv_freq as fair-esm computes it, contact head included.
 */
public final class RandomEsm2Weights {
    private RandomEsm2Weights() {
    }

    public static Esm2Weights of(Esm2Config config, long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : Esm2Weights.expectedShapes(config, true).entrySet()) {
            long[] shape = e.getValue();
            float[] v = new float[(int) Tensor.numel(shape)];
            String name = e.getKey();
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith("inv_freq")) {
                    v[i] = (float) Math.pow(10000, -2.0 * i / config.headDim());
                } else if (name.contains("norm") && name.endsWith("weight")) {
                    v[i] = 1 + 0.1f * (float) rnd.nextGaussian();
                } else if (name.equals(Esm2Weights.EMBED_TOKENS)) {
                    v[i] = (float) rnd.nextGaussian();
                } else {
                    v[i] = (float) (rnd.nextGaussian() / Math.sqrt(shape[shape.length - 1]));
                }
            }
            tensors.put(name, Tensor.ofFloats(v, shape));
        }
        return new Esm2Weights(config, tensors);
    }
}
