package org.esm2j.train.optim;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a parameter is, read from its name, for building parameter groups. Both naming schemes in use are understood:
 * fair-esm ({@code embed_tokens.weight}, {@code layers.3.self_attn_layer_norm.bias}) and Hugging Face
 * ({@code esm.embeddings.word_embeddings.weight}, {@code esm.encoder.layer.3.attention.LayerNorm.weight}).
 */
public final class ParameterRole {
    private static final Pattern LAYER_INDEX = Pattern.compile("(?:^|\\.)layers?\\.(\\d+)\\.");

    private ParameterRole() {
    }

    /** A bias vector: the name's last component is {@code bias} (covers {@code lm_head.bias} and LayerNorm biases). */
    public static boolean isBias(String name) {
        return name.equals("bias") || name.endsWith(".bias");
    }

    /** A LayerNorm weight or bias ({@code layer_norm} in fair-esm names, {@code LayerNorm} in Hugging Face's). */
    public static boolean isLayerNorm(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("layer_norm") || lower.contains("layernorm");
    }

    /** The token embedding (and, in Hugging Face names, anything under {@code embeddings.}). */
    public static boolean isEmbedding(String name) {
        return name.contains("embed_tokens") || name.contains("embeddings.");
    }

    /**
     * Part of the ESM-2 backbone (embedding, transformer blocks, the final LayerNorm) rather than a head such as
     * {@code classifier.*}, {@code lm_head.*} or {@code contact_head.*}.
     */
    public static boolean isBackbone(String name) {
        return isEmbedding(name) || layerIndex(name) >= 0 || name.startsWith("emb_layer_norm_after.")
                || name.startsWith("esm.");
    }

    /** The transformer block a parameter belongs to (0-based), or -1 for parameters outside the blocks. */
    public static int layerIndex(String name) {
        Matcher m = LAYER_INDEX.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
