package org.esm2j.checkpoint;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esm2j.CheckpointException;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;

/**
 * The architecture read off tensor shapes, for checkpoints without a config (docs/MODEL_REFERENCE.md section 4.4):
 * D = embed_tokens columns, L = number of {@code layers.N}, hd = 2 len(inv_freq), H = D / hd, FFN = fc1 rows. What
 * shapes cannot tell is fixed by ESM-2: token dropout on, LayerNorm eps 1e-5.
 */
final class ArchitectureInference {
    private static final Pattern LAYER_INDEX = Pattern.compile("^layers\\.(\\d+)\\.");

    private ArchitectureInference() {
    }

    /** @param tensors canonical names (after {@link KeyNames}), possibly with {@link KeyNames#SHARED_INV_FREQ} */
    static Esm2Config infer(Map<String, Tensor> tensors) {
        Tensor embed = require(tensors, Esm2Weights.EMBED_TOKENS);
        if (embed.rank() != 2) {
            throw new CheckpointException("cannot infer the architecture: " + Esm2Weights.EMBED_TOKENS
                    + " has rank " + embed.rank() + ", expected 2");
        }
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : tensors.keySet()) {
            Matcher m = LAYER_INDEX.matcher(name);
            if (m.find()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (layers.isEmpty() || layers.first() != 0 || layers.last() != layers.size() - 1) {
            throw new CheckpointException("cannot infer the number of layers: layer indices " + layers
                    + " are not 0..L-1");
        }
        Tensor invFreq = tensors.containsKey(Esm2Weights.layer(0, "self_attn.rot_emb.inv_freq"))
                ? tensors.get(Esm2Weights.layer(0, "self_attn.rot_emb.inv_freq"))
                : tensors.get(KeyNames.SHARED_INV_FREQ);
        if (invFreq == null || invFreq.rank() != 1 || invFreq.dim(0) < 1) {
            throw new CheckpointException("cannot infer the head count: no usable rotary inv_freq tensor and no config");
        }
        long dim = embed.dim(1);
        long headDim = 2 * invFreq.dim(0);
        if (dim % headDim != 0) {
            throw new CheckpointException("cannot infer the head count: embed dim " + dim
                    + " is not a multiple of the rotary head dim " + headDim);
        }
        Tensor fc1 = require(tensors, Esm2Weights.layer(0, "fc1.weight"));
        if (fc1.rank() != 2) {
            throw new CheckpointException("cannot infer the FFN width: layers.0.fc1.weight has rank " + fc1.rank());
        }
        return new Esm2Config(layers.size(), toInt(dim, "embed dim"), toInt(dim / headDim, "heads"),
                toInt(fc1.dim(0), "FFN width"), true, Esm2Config.ESM2_LAYER_NORM_EPS, toInt(embed.dim(0), "vocab"));
    }

    private static Tensor require(Map<String, Tensor> tensors, String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("cannot infer the architecture without a config: no '" + name + "'");
        }
        return t;
    }

    private static int toInt(long v, String what) {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new CheckpointException("cannot infer the architecture: " + what + " " + v + " is out of range");
        }
        return (int) v;
    }
}
