package org.esm2j.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;

/**
 * Seeded random ESM-2 parameters of a given shape, for benchmarks: speed does not depend on the values, but they are
 * kept at the scale of a trained model (LayerNorm gains near 1, matrices ~N(0, 0.02), small biases, the real rotary
 * frequencies) so that no NaN/Inf or denormal slow path distorts the timing.
 */
public final class RandomWeights {
    /** The standard deviation of BERT-style initialisation, which ESM-2's trained matrices stay close to. */
    private static final double WEIGHT_STD = 0.02;
    private static final double BIAS_STD = 0.01;
    private static final double GAIN_STD = 0.05;
    private static final double ROTARY_BASE = 10000.0;

    private RandomWeights() {
    }

    /** The esm2_t6_8M shape: 6 layers, dim 320, 20 heads. */
    public static Esm2Config esm2T6() {
        return Esm2Config.of(6, 320, 20);
    }

    /** The esm2_t12_35M shape: 12 layers, dim 480, 20 heads. */
    public static Esm2Config esm2T12() {
        return Esm2Config.of(12, 480, 20);
    }

    /** Every parameter of {@code config}, contact head included, drawn from a generator seeded with {@code seed}. */
    public static Esm2Weights create(Esm2Config config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        // Names are visited in the canonical order, so one seed always yields the same weights.
        for (Map.Entry<String, long[]> e : Esm2Weights.expectedShapes(config, true).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            tensors.put(name, Tensor.ofFloats(values(name, shape, config, random), shape));
        }
        return new Esm2Weights(config, tensors);
    }

    private static float[] values(String name, long[] shape, Esm2Config config, SplittableRandom random) {
        int n = Math.toIntExact(Tensor.numel(shape));
        if (name.endsWith("rot_emb.inv_freq")) {
            return inverseFrequencies(config.headDim());
        }
        boolean layerNorm = name.contains("layer_norm");
        if (layerNorm && name.endsWith(".weight")) {
            return gaussian(n, 1.0, GAIN_STD, random);
        }
        if (name.endsWith(".bias")) {
            return gaussian(n, 0.0, BIAS_STD, random);
        }
        return gaussian(n, 0.0, WEIGHT_STD, random);
    }

    /** Rotary frequencies 1 / 10000^(2i / headDim), i = 0 .. headDim/2 - 1. */
    private static float[] inverseFrequencies(int headDim) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (1.0 / Math.pow(ROTARY_BASE, 2.0 * i / headDim));
        }
        return f;
    }

    private static float[] gaussian(int n, double mean, double std, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (mean + std * gaussian(random));
        }
        return v;
    }

    /** Box-Muller; SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble(); // (0, 1], keeps log finite
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }
}
