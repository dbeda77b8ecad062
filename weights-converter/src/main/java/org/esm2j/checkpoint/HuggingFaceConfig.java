package org.esm2j.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.io.Json;
import org.esm2j.model.Esm2Config;

/**
 * Reads a Hugging Face {@code config.json} into an {@link Esm2Config}. Every field ESM-2 depends on must be present:
 * transformers' class defaults (eps 1e-12, absolute positions, no token dropout) are wrong for ESM-2, so a missing
 * field is an error naming it rather than a silent default (docs/MODEL_REFERENCE.md section 5.2).
 */
final class HuggingFaceConfig {
    /** Configs larger than this are not Hugging Face configs; real ones are about 1 KB. */
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    private HuggingFaceConfig() {
    }

    static Esm2Config read(Path configJson) {
        String text;
        try {
            if (Files.size(configJson) > MAX_CONFIG_BYTES) {
                throw new CheckpointException(configJson + ": too large for a config.json");
            }
            text = Files.readString(configJson, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + configJson + ": " + e.getMessage(), e);
        }
        Map<String, Object> m;
        try {
            m = Json.parseObject(text);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configJson + ": malformed JSON: " + e.getMessage(), e);
        }
        return parse(m, configJson.toString());
    }

    static Esm2Config parse(Map<String, Object> m, String source) {
        Object modelType = m.get("model_type");
        if (modelType != null && !"esm".equals(modelType)) {
            throw new CheckpointException(source + ": model_type is '" + modelType + "', expected 'esm'");
        }
        String positions = string(m, "position_embedding_type", source);
        if (!positions.equals("rotary")) {
            throw new CheckpointException(source + ": position_embedding_type is '" + positions
                    + "'; ESM-2 uses 'rotary' (ESM-1b style absolute positions are not supported)");
        }
        if (Boolean.TRUE.equals(m.get("emb_layer_norm_before"))) {
            throw new CheckpointException(source + ": emb_layer_norm_before=true is an ESM-1b layout, not ESM-2");
        }
        return new Esm2Config(integer(m, "num_hidden_layers", source), integer(m, "hidden_size", source),
                integer(m, "num_attention_heads", source), integer(m, "intermediate_size", source),
                bool(m, "token_dropout", source), number(m, "layer_norm_eps", source),
                integer(m, "vocab_size", source));
    }

    private static Object field(Map<String, Object> m, String key, String source) {
        if (!m.containsKey(key) || m.get(key) == null) {
            throw new CheckpointException(source + ": missing ESM-2 field '" + key
                    + "' (transformers' default for it is not ESM-2's, so it must be stated)");
        }
        return m.get(key);
    }

    private static int integer(Map<String, Object> m, String key, String source) {
        Object v = field(m, key, source);
        if (!(v instanceof Long) || (Long) v < 1 || (Long) v > Integer.MAX_VALUE) {
            throw new CheckpointException(source + ": field '" + key + "' must be a positive integer, got " + v);
        }
        return ((Long) v).intValue();
    }

    private static double number(Map<String, Object> m, String key, String source) {
        Object v = field(m, key, source);
        if (!(v instanceof Number)) {
            throw new CheckpointException(source + ": field '" + key + "' must be a number, got " + v);
        }
        return ((Number) v).doubleValue();
    }

    private static boolean bool(Map<String, Object> m, String key, String source) {
        Object v = field(m, key, source);
        if (!(v instanceof Boolean)) {
            throw new CheckpointException(source + ": field '" + key + "' must be true or false, got " + v);
        }
        return (Boolean) v;
    }

    private static String string(Map<String, Object> m, String key, String source) {
        Object v = field(m, key, source);
        if (!(v instanceof String)) {
            throw new CheckpointException(source + ": field '" + key + "' must be a string, got " + v);
        }
        return (String) v;
    }
}
