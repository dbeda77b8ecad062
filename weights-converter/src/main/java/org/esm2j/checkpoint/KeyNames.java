package org.esm2j.checkpoint;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esm2j.model.Esm2Weights;

/**
 * Maps the parameter names of fair-esm and Hugging Face checkpoints to esm2j's canonical names (fair-esm's module
 * names after {@code upgrade_state_dict}; docs/MODEL_REFERENCE.md 4.3, 5.3). A name that maps to null is not a
 * model parameter we use (position embeddings, position ids, optimizer state, ...) and is ignored.
 */
final class KeyNames {
    /** The fair-esm LM-head weight: tied to {@code embed_tokens.weight}, checked for equality and then dropped. */
    static final String TIED_LM_HEAD = "lm_head.weight";
    /**
     * One rotary {@code inv_freq} for every layer. transformers 5 stores it once: as {@code esm.rotary_embeddings.inv_freq}
     * in {@code pytorch_model.bin} and under the wildcard name {@code esm.encoder.layer.*.attention...inv_freq} in
     * safetensors.
     */
    static final String SHARED_INV_FREQ = "*.self_attn.rot_emb.inv_freq";

    private static final Pattern FAIR_ESM_PREFIX = Pattern.compile("^(encoder\\.sentence_encoder\\.|encoder\\.)");
    private static final Pattern HF_LAYER = Pattern.compile("^encoder\\.layer\\.(\\d{1,6}|\\*)\\.(.+)$");
    /** HF module path inside a layer, in front of the parameter name, with its fair-esm counterpart. */
    private static final String[][] HF_LAYER_MODULES = {
        {"attention.self.query.", "self_attn.q_proj."},
        {"attention.self.key.", "self_attn.k_proj."},
        {"attention.self.value.", "self_attn.v_proj."},
        {"attention.self.rotary_embeddings.", "self_attn.rot_emb."},
        {"attention.output.dense.", "self_attn.out_proj."},
        {"attention.LayerNorm.", "self_attn_layer_norm."},
        {"intermediate.dense.", "fc1."},
        {"output.dense.", "fc2."},
        {"LayerNorm.", "final_layer_norm."},
    };

    private KeyNames() {
    }

    /** fair-esm's own rule: strip a leading {@code encoder.sentence_encoder.}, else a leading {@code encoder.}. */
    static String fromFairEsm(String name) {
        return FAIR_ESM_PREFIX.matcher(name).replaceFirst("");
    }

    /** Hugging Face {@code EsmForMaskedLM} (or prefix-less {@code EsmModel}) name to canonical, or null if unused. */
    static String fromHuggingFace(String name) {
        String n = name.startsWith("esm.") ? name.substring(4) : name;
        n = legacyLayerNormNames(n);
        if (n.equals("embeddings.word_embeddings.weight")) {
            return Esm2Weights.EMBED_TOKENS;
        }
        if (n.equals("rotary_embeddings.inv_freq")) {
            return SHARED_INV_FREQ;
        }
        if (n.startsWith("encoder.emb_layer_norm_after.")) {
            return n.substring("encoder.".length());
        }
        if (n.startsWith("contact_head.regression.")) {
            return n;
        }
        if (n.equals("lm_head.decoder.weight")) {
            return TIED_LM_HEAD;
        }
        if (n.startsWith("lm_head.dense.") || n.startsWith("lm_head.layer_norm.") || n.equals("lm_head.bias")) {
            return n;
        }
        Matcher m = HF_LAYER.matcher(n);
        if (m.matches()) {
            String rest = m.group(2);
            for (String[] module : HF_LAYER_MODULES) {
                if (rest.startsWith(module[0])) {
                    String canonicalRest = module[1] + rest.substring(module[0].length());
                    if (m.group(1).equals("*")) {
                        return canonicalRest.equals("self_attn.rot_emb.inv_freq") ? SHARED_INV_FREQ : null;
                    }
                    return "layers." + Integer.parseInt(m.group(1)) + "." + canonicalRest;
                }
            }
        }
        return null;
    }

    /** transformers 5 writes some LayerNorm parameters under the TensorFlow-era names gamma and beta. */
    private static String legacyLayerNormNames(String n) {
        boolean layerNorm = n.contains("LayerNorm.") || n.contains("layer_norm.") || n.contains("layer_norm_after.");
        if (layerNorm && n.endsWith(".gamma")) {
            return n.substring(0, n.length() - "gamma".length()) + "weight";
        }
        if (layerNorm && n.endsWith(".beta")) {
            return n.substring(0, n.length() - "beta".length()) + "bias";
        }
        return n;
    }

    /** True when the names look like Hugging Face's ({@code esm.} prefix or the untied decoder name). */
    static boolean looksLikeHuggingFace(Iterable<String> names) {
        for (String n : names) {
            if (n.startsWith("esm.") || n.startsWith("embeddings.word_embeddings") || n.startsWith("encoder.layer.")
                    || n.equals("lm_head.decoder.weight")) {
                return true;
            }
        }
        return false;
    }
}
