package org.esm2j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.tensor.Tensor;

/**
 * An ESM-2 model's parameters under the canonical names, which are fair-esm's module names after its
 * {@code upgrade_state_dict} (e.g. {@code layers.3.self_attn.q_proj.weight}). Construction checks that every required
 * tensor is present with the shape the config implies. The LM-head weight is tied to {@code embed_tokens.weight} and
 * never stored separately; the contact-regression tensors are optional.
 */
public final class Esm2Weights {
    public static final String EMBED_TOKENS = "embed_tokens.weight";
    public static final String FINAL_LN_WEIGHT = "emb_layer_norm_after.weight";
    public static final String FINAL_LN_BIAS = "emb_layer_norm_after.bias";
    public static final String LM_HEAD_DENSE_WEIGHT = "lm_head.dense.weight";
    public static final String LM_HEAD_DENSE_BIAS = "lm_head.dense.bias";
    public static final String LM_HEAD_LN_WEIGHT = "lm_head.layer_norm.weight";
    public static final String LM_HEAD_LN_BIAS = "lm_head.layer_norm.bias";
    public static final String LM_HEAD_BIAS = "lm_head.bias";
    public static final String CONTACT_WEIGHT = "contact_head.regression.weight";
    public static final String CONTACT_BIAS = "contact_head.regression.bias";

    private final Esm2Config config;
    private final Map<String, Tensor> tensors;

    public Esm2Weights(Esm2Config config, Map<String, Tensor> tensors) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        for (Map.Entry<String, long[]> e : expectedShapes(config, hasContactHead(tensors)).entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) {
                throw new CheckpointException("missing parameter '" + e.getKey() + "' for " + describe(config));
            }
            if (!t.hasShape(e.getValue())) {
                throw new CheckpointException("parameter '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue()) + " for "
                        + describe(config));
            }
            if (!t.dtype().isFloatingPoint()) {
                throw new CheckpointException("parameter '" + e.getKey() + "' has non-float dtype " + t.dtype());
            }
        }
        if (tensors.containsKey(CONTACT_WEIGHT) != tensors.containsKey(CONTACT_BIAS)) {
            throw new CheckpointException("contact head needs both " + CONTACT_WEIGHT + " and " + CONTACT_BIAS);
        }
    }

    private static boolean hasContactHead(Map<String, Tensor> tensors) {
        return tensors.containsKey(CONTACT_WEIGHT) || tensors.containsKey(CONTACT_BIAS);
    }

    private static String describe(Esm2Config c) {
        return "ESM-2 with " + c.numLayers() + " layers, dim " + c.embedDim() + ", " + c.attentionHeads() + " heads";
    }

    public static String layer(int i, String name) {
        return "layers." + i + "." + name;
    }

    /** Every required canonical name with its shape; the contact head only when {@code withContactHead}. */
    public static Map<String, long[]> expectedShapes(Esm2Config c, boolean withContactHead) {
        long d = c.embedDim();
        long f = c.ffnDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(EMBED_TOKENS, new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            for (String p : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                m.put(layer(i, "self_attn." + p + ".weight"), new long[] {d, d});
                m.put(layer(i, "self_attn." + p + ".bias"), new long[] {d});
            }
            m.put(layer(i, "self_attn.rot_emb.inv_freq"), new long[] {c.headDim() / 2});
            m.put(layer(i, "self_attn_layer_norm.weight"), new long[] {d});
            m.put(layer(i, "self_attn_layer_norm.bias"), new long[] {d});
            m.put(layer(i, "fc1.weight"), new long[] {f, d});
            m.put(layer(i, "fc1.bias"), new long[] {f});
            m.put(layer(i, "fc2.weight"), new long[] {d, f});
            m.put(layer(i, "fc2.bias"), new long[] {d});
            m.put(layer(i, "final_layer_norm.weight"), new long[] {d});
            m.put(layer(i, "final_layer_norm.bias"), new long[] {d});
        }
        m.put(FINAL_LN_WEIGHT, new long[] {d});
        m.put(FINAL_LN_BIAS, new long[] {d});
        m.put(LM_HEAD_DENSE_WEIGHT, new long[] {d, d});
        m.put(LM_HEAD_DENSE_BIAS, new long[] {d});
        m.put(LM_HEAD_LN_WEIGHT, new long[] {d});
        m.put(LM_HEAD_LN_BIAS, new long[] {d});
        m.put(LM_HEAD_BIAS, new long[] {c.vocabSize()});
        if (withContactHead) {
            m.put(CONTACT_WEIGHT, new long[] {1, (long) c.numLayers() * c.attentionHeads()});
            m.put(CONTACT_BIAS, new long[] {1});
        }
        return m;
    }

    public Esm2Config config() {
        return config;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public boolean hasContactHead() {
        return tensors.containsKey(CONTACT_WEIGHT);
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("no parameter named '" + name + "'");
        }
        return t;
    }

    /** The named parameter widened to float32 (a fresh array). */
    public float[] floats(String name) {
        return tensor(name).toFloatArray();
    }

    /** Names present beyond the required set (kept, but unused by inference). */
    public List<String> extraNames() {
        Map<String, long[]> expected = expectedShapes(config, hasContactHead());
        List<String> extra = new ArrayList<>();
        for (String k : tensors.keySet()) {
            if (!expected.containsKey(k)) {
                extra.add(k);
            }
        }
        return extra;
    }
}
