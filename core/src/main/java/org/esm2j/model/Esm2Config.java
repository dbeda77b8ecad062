package org.esm2j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.io.Json;

/**
 * The shape of an ESM-2 model. Everything else (alphabet, rotary, pre-LN, GELU, tied LM head) is fixed by the
 * architecture.
 *
 * @param numLayers transformer blocks (L)
 * @param embedDim hidden size (D)
 * @param attentionHeads heads per block (H); D must divide evenly
 * @param ffnDim feed-forward width, 4 D in every released model
 * @param tokenDropout whether embeddings of {@code <mask>} are zeroed and the rest rescaled (true for ESM-2)
 * @param layerNormEps LayerNorm epsilon (1e-5 for ESM-2)
 * @param vocabSize 33 for ESM-2
 */
public record Esm2Config(int numLayers, int embedDim, int attentionHeads, int ffnDim, boolean tokenDropout,
        double layerNormEps, int vocabSize) {

    public static final int ESM2_VOCAB_SIZE = 33;
    public static final double ESM2_LAYER_NORM_EPS = 1e-5;
    /**
     * fair-esm's {@code mask_ratio_train}: in pre-training 15% of the tokens were selected and 80% of those replaced by
     * {@code <mask>}. Token dropout zeroes the {@code <mask>} embeddings and scales the others by
     * {@code (1 - MASK_RATIO_TRAIN) / (1 - observed mask ratio of the sequence)}.
     */
    public static final double MASK_RATIO_TRAIN = 0.15 * 0.8;
    /** {@code 1 - MASK_RATIO_TRAIN} computed in double and rounded to float once, as every backend applies it. */
    public static final float TOKEN_DROPOUT_KEEP = (float) (1 - MASK_RATIO_TRAIN);

    public Esm2Config {
        if (numLayers < 1 || embedDim < 1 || attentionHeads < 1 || ffnDim < 1 || vocabSize < 1) {
            throw new CheckpointException("invalid ESM-2 config: layers=" + numLayers + " dim=" + embedDim
                    + " heads=" + attentionHeads + " ffn=" + ffnDim + " vocab=" + vocabSize);
        }
        if (embedDim % attentionHeads != 0 || (embedDim / attentionHeads) % 2 != 0) {
            throw new CheckpointException("invalid ESM-2 config: embed dim " + embedDim + " must split into "
                    + attentionHeads + " heads of even size");
        }
        if (!(layerNormEps > 0)) {
            throw new CheckpointException("invalid ESM-2 config: layer norm eps " + layerNormEps);
        }
    }

    /** An ESM-2 shape with the fixed parts (FFN = 4 D, token dropout on, eps 1e-5, 33 tokens) filled in. */
    public static Esm2Config of(int numLayers, int embedDim, int attentionHeads) {
        return new Esm2Config(numLayers, embedDim, attentionHeads, 4 * embedDim, true, ESM2_LAYER_NORM_EPS,
                ESM2_VOCAB_SIZE);
    }

    public int headDim() {
        return embedDim / attentionHeads;
    }

    /** Parameters, with the tied embedding counted once and the contact head included. */
    public long parameterCount() {
        long d = embedDim;
        long f = ffnDim;
        long perLayer = 4 * (d * d + d) + (d * f + f) + (f * d + d) + 4 * d;
        return numLayers * perLayer + (long) vocabSize * d + 2 * d + (d * d + d + 2 * d + vocabSize)
                + (long) numLayers * attentionHeads + 1;
    }

    /** The config as the JSON stored in the canonical safetensors metadata under "esm2j.config". */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_layers", numLayers);
        m.put("embed_dim", embedDim);
        m.put("attention_heads", attentionHeads);
        m.put("ffn_dim", ffnDim);
        m.put("token_dropout", tokenDropout);
        m.put("layer_norm_eps", layerNormEps);
        m.put("vocab_size", vocabSize);
        return Json.write(m);
    }

    public static Esm2Config fromJson(String json) {
        Map<String, Object> m;
        try {
            m = Json.parseObject(json);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("malformed esm2j config JSON: " + e.getMessage(), e);
        }
        for (String k : List.of("num_layers", "embed_dim", "attention_heads", "ffn_dim", "token_dropout",
                "layer_norm_eps", "vocab_size")) {
            if (!m.containsKey(k)) {
                throw new CheckpointException("esm2j config JSON lacks '" + k + "'");
            }
        }
        try {
            return new Esm2Config(intOf(m, "num_layers"), intOf(m, "embed_dim"), intOf(m, "attention_heads"),
                    intOf(m, "ffn_dim"), (Boolean) m.get("token_dropout"),
                    ((Number) m.get("layer_norm_eps")).doubleValue(), intOf(m, "vocab_size"));
        } catch (ClassCastException e) {
            throw new CheckpointException("esm2j config JSON has a field of the wrong type: " + json, e);
        }
    }

    private static int intOf(Map<String, Object> m, String key) {
        return Math.toIntExact(((Number) m.get(key)).longValue());
    }
}
