package org.esm2j.cpu;

import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;

/** One transformer block's parameters as float32 arrays, with q, k and v fused into one projection. */
final class CpuLayer {
    final float[] attnNormGain;
    final float[] attnNormBias;
    final LinearWeights qkv; // (D -> 3D): q, k, v
    final float[] invFreq; // (hd/2), from the checkpoint
    final LinearWeights outProj; // (D -> D)
    final float[] ffnNormGain;
    final float[] ffnNormBias;
    final LinearWeights fc1; // (D -> F)
    final LinearWeights fc2; // (F -> D)

    CpuLayer(Esm2Weights w, int i) {
        Esm2Config c = w.config();
        int d = c.embedDim();
        attnNormGain = w.floats(Esm2Weights.layer(i, "self_attn_layer_norm.weight"));
        attnNormBias = w.floats(Esm2Weights.layer(i, "self_attn_layer_norm.bias"));
        float[][] qkvWeights = new float[3][];
        float[][] qkvBiases = new float[3][];
        String[] names = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"};
        for (int p = 0; p < 3; p++) {
            qkvWeights[p] = w.floats(Esm2Weights.layer(i, names[p] + ".weight"));
            qkvBiases[p] = w.floats(Esm2Weights.layer(i, names[p] + ".bias"));
        }
        qkv = LinearWeights.concatOutputs(qkvWeights, qkvBiases, d, d);
        invFreq = w.floats(Esm2Weights.layer(i, "self_attn.rot_emb.inv_freq"));
        outProj = linear(w, i, "self_attn.out_proj", d, d);
        ffnNormGain = w.floats(Esm2Weights.layer(i, "final_layer_norm.weight"));
        ffnNormBias = w.floats(Esm2Weights.layer(i, "final_layer_norm.bias"));
        fc1 = linear(w, i, "fc1", c.ffnDim(), d);
        fc2 = linear(w, i, "fc2", d, c.ffnDim());
    }

    private static LinearWeights linear(Esm2Weights w, int layer, String name, int out, int in) {
        return LinearWeights.fromTorch(w.floats(Esm2Weights.layer(layer, name + ".weight")), out, in,
                w.floats(Esm2Weights.layer(layer, name + ".bias")));
    }
}
