package org.esm2j.checkpoint;

import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.model.Esm2Config;

/**
 * The architecture stated in a fair-esm checkpoint: {@code checkpoint["cfg"]["model"]}, an {@code argparse.Namespace}
 * with the fields fair-esm's ESM-2 loader reads (encoder_layers, encoder_embed_dim, encoder_attention_heads,
 * token_dropout). encoder_ffn_embed_dim is used when present; fair-esm itself hard-codes 4 D, so 4 D is the fallback.
 * The alphabet (33 tokens) and LayerNorm eps (1e-5) are fixed by fair-esm's code, not stored.
 */
final class FairEsmConfig {
    private FairEsmConfig() {
    }

    /** The config, or null when the checkpoint states none (the shapes then decide). */
    static Esm2Config of(Map<?, ?> checkpoint) {
        Object cfg = checkpoint.get("cfg");
        if (cfg == null) {
            if (checkpoint.get("args") != null) {
                throw new CheckpointException("checkpoint has 'args' but no 'cfg': an ESM-1/ESM-1b model, not ESM-2");
            }
            return null;
        }
        if (!(cfg instanceof Map) || !(((Map<?, ?>) cfg).get("model") instanceof PickleMachine.Namespace)) {
            throw new CheckpointException("checkpoint[\"cfg\"][\"model\"] is not an argparse.Namespace");
        }
        Map<String, Object> fields = ((PickleMachine.Namespace) ((Map<?, ?>) cfg).get("model")).attributes;
        int dim = integer(fields, "encoder_embed_dim");
        int ffn = fields.containsKey("encoder_ffn_embed_dim") ? integer(fields, "encoder_ffn_embed_dim") : 4 * dim;
        Object tokenDropout = fields.get("token_dropout");
        if (!(tokenDropout instanceof Boolean)) {
            throw new CheckpointException("cfg.model.token_dropout is " + (fields.containsKey("token_dropout")
                    ? "a " + PickleMachine.typeName(tokenDropout) + ", not a bool" : "missing"));
        }
        return new Esm2Config(integer(fields, "encoder_layers"), dim, integer(fields, "encoder_attention_heads"), ffn,
                (Boolean) tokenDropout, Esm2Config.ESM2_LAYER_NORM_EPS, Esm2Config.ESM2_VOCAB_SIZE);
    }

    private static int integer(Map<String, Object> fields, String name) {
        Object v = fields.get(name);
        if (!(v instanceof Long) || (Long) v < 1 || (Long) v > Integer.MAX_VALUE) {
            throw new CheckpointException("cfg.model." + name + " is " + (fields.containsKey(name)
                    ? PickleMachine.typeName(v) + " " + (v instanceof Long ? v : "") + ", expected a positive int"
                    : "missing"));
        }
        return ((Long) v).intValue();
    }
}
