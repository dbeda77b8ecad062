package org.esm2j.function.embed;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.data.LengthPolicy;

/**
 * Which frozen embedding a predictor was trained on: the base model (by the SHA-256 of its weight files, as
 * {@code CheckpointLoader} reports it), the representation layer, and how long sequences were handled. Embeddings are
 * the mean over residues (not {@code <cls>}/{@code <eos>}) of that layer's hidden states.
 *
 * @param modelDigest lowercase hex SHA-256 of the base model's weight files
 * @param layer representation layer in 0..L (0 = scaled token embeddings, L = after the final LayerNorm)
 * @param lengthPolicy what happens to sequences longer than the policy's limit
 */
public record EmbeddingSpec(String modelDigest, int layer, LengthPolicy lengthPolicy) {
    public EmbeddingSpec {
        if (modelDigest == null || !modelDigest.matches("[0-9a-f]{16,128}")) {
            throw new InvalidInputException("model digest must be lowercase hex (16 to 128 digits), got '"
                    + modelDigest + "'");
        }
        if (layer < 0) {
            throw new InvalidInputException("representation layer must be resolved to 0..L, got " + layer);
        }
        if (lengthPolicy == null) {
            throw new InvalidInputException("a length policy must be given");
        }
    }

    /** A short name for the layer and length policy, safe as a folder name (e.g. {@code layer6-window1022o256}). */
    public String folderName() {
        String policy = lengthPolicy.mode().name().toLowerCase(Locale.ROOT) + lengthPolicy.maxResidues();
        if (lengthPolicy.mode() == LengthPolicy.Mode.WINDOW) {
            policy += "o" + lengthPolicy.overlap();
        }
        return "layer" + layer + "-mean-" + policy;
    }

    /** As JSON-ready values for a predictor's config. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_sha256", modelDigest);
        m.put("layer", layer);
        m.put("pooling", "mean");
        m.put("length_mode", lengthPolicy.mode().name().toLowerCase(Locale.ROOT));
        m.put("max_residues", lengthPolicy.maxResidues());
        m.put("overlap", lengthPolicy.overlap());
        return m;
    }

    /** The inverse of {@link #toMap()}; {@code source} names the file in errors. */
    public static EmbeddingSpec fromMap(Map<String, Object> m, String source) {
        try {
            LengthPolicy.Mode mode = LengthPolicy.Mode.valueOf(
                    ((String) m.get("length_mode")).toUpperCase(Locale.ROOT));
            LengthPolicy policy = new LengthPolicy(mode, ((Number) m.get("max_residues")).intValue(),
                    ((Number) m.get("overlap")).intValue());
            if (!"mean".equals(m.get("pooling"))) {
                throw new InvalidInputException(source + ": unsupported pooling '" + m.get("pooling") + "'");
            }
            return new EmbeddingSpec((String) m.get("model_sha256"), ((Number) m.get("layer")).intValue(), policy);
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new InvalidInputException(source + ": malformed embedding section " + m + ": " + e.getMessage(), e);
        }
    }
}
