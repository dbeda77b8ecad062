package org.esm2j.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;

/**
 * Random initial weights for training an ESM-2 shape from scratch, drawn from one {@link SeededRandom} tensor by tensor
 * in fair-esm's parameter order (so a seed gives the same model on every machine).
 */
public enum Esm2Initialization {
    /**
     * What constructing fair-esm's {@code ESM2} module gives: PyTorch's default module initialisation plus fairseq's
     * attention reset. Embedding N(0, 1) with the {@code <pad>} row zero; q, k and v weights Xavier-uniform with gain
     * 1/sqrt 2, the output projection Xavier-uniform with a zero bias; every other linear (q/k/v biases, fc1, fc2, the
     * LM head's dense layer, the contact regression) uniform in +-1/sqrt(fan_in) for weight and bias; LayerNorms 1 and
     * 0; the LM-head bias zero.
     */
    FAIR_ESM,
    /**
     * Hugging Face's {@code EsmPreTrainedModel._init_weights}: every linear and embedding weight N(0, 0.02), biases
     * zero, the {@code <pad>} embedding row zero, LayerNorms 1 and 0. The small embedding keeps the tied LM head's
     * first logits near zero, which suits short training runs from scratch.
     */
    HUGGING_FACE;

    private static final double HF_STD = 0.02;
    private static final double ROTARY_BASE = 10000;

    /** The weights of a freshly initialised model of shape {@code config}, the contact head included. */
    public Esm2Weights initialize(Esm2Config config, long seed) {
        SeededRandom random = new SeededRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = TrainableModel.backboneShapes(config, true);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] shape = e.getValue();
            float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
            fill(e.getKey(), shapes, values, random);
            tensors.put(e.getKey(), Tensor.ofFloats(values, shape));
        }
        int headDim = config.headDim();
        float[] invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(ROTARY_BASE, (float) (2 * i) / headDim));
        }
        for (int l = 0; l < config.numLayers(); l++) {
            tensors.put(Esm2Weights.layer(l, "self_attn.rot_emb.inv_freq"), Tensor.ofFloats(invFreq.clone(),
                    invFreq.length));
        }
        return new Esm2Weights(config, tensors);
    }

    private void fill(String name, Map<String, long[]> shapes, float[] values, SeededRandom random) {
        long[] shape = shapes.get(name);
        if (name.endsWith("layer_norm.weight") || name.endsWith("layer_norm_after.weight")) {
            Arrays.fill(values, 1f);
            return;
        }
        if (name.endsWith("layer_norm.bias") || name.endsWith("layer_norm_after.bias")
                || name.equals(Esm2Weights.LM_HEAD_BIAS)) {
            return;
        }
        if (name.equals(Esm2Weights.EMBED_TOKENS)) {
            double std = this == FAIR_ESM ? 1.0 : HF_STD;
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (std * random.nextGaussian());
            }
            int dim = (int) shape[1];
            Arrays.fill(values, Alphabet.PAD * dim, (Alphabet.PAD + 1) * dim, 0f);
            return;
        }
        if (this == HUGGING_FACE) {
            if (name.endsWith(".weight")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (HF_STD * random.nextGaussian());
                }
            }
            return;
        }
        boolean weight = name.endsWith(".weight");
        String module = name.substring(0, name.lastIndexOf('.'));
        long[] weightShape = shapes.get(module + ".weight");
        double xavier = Math.sqrt(6.0 / (weightShape[0] + weightShape[1]));
        double bound;
        if (module.endsWith("self_attn.out_proj")) {
            if (!weight) {
                return;
            }
            bound = xavier;
        } else if (weight && (module.endsWith("q_proj") || module.endsWith("k_proj") || module.endsWith("v_proj"))) {
            bound = xavier / Math.sqrt(2);
        } else {
            bound = 1 / Math.sqrt(weightShape[1]);
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
    }
}
