package org.esm2j.checkpoint;

import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;

/**
 * Weights read from a checkpoint, with where they came from.
 *
 * @param weights the parameters under canonical names
 * @param sourceName file or folder name the weights were read from (for a canonical esm2j file: the original source
 *     recorded in its metadata, so provenance survives conversion)
 * @param sourceSha256 lowercase hex SHA-256 of the source weight file(s); see {@link SourceDigest}. Null only for
 *     weights made in memory (trained or initialised here) on their way to {@link CanonicalWriter}, which then records
 *     no source digest and the loaded file is identified by its own SHA-256
 * @param format one of the {@code FORMAT_*} constants
 */
public record LoadedCheckpoint(Esm2Weights weights, String sourceName, String sourceSha256, String format) {
    /** Meta's fair-esm {@code .pt} (torch zip + pickle, {@code {"model", "cfg"}}). */
    public static final String FORMAT_FAIR_ESM = "fair-esm";
    /** Hugging Face {@code model.safetensors}, single or sharded. */
    public static final String FORMAT_HF_SAFETENSORS = "hf-safetensors";
    /** Hugging Face {@code pytorch_model.bin}, single or sharded. */
    public static final String FORMAT_HF_PYTORCH = "hf-pytorch";
    /** esm2j's canonical safetensors, as written by {@link CanonicalWriter}. */
    public static final String FORMAT_ESM2J = "esm2j";

    /** A few lines for a command-line summary: source, format, shape, parameter count, contact head, dtypes. */
    public String describe() {
        Esm2Config c = weights.config();
        StringBuilder sb = new StringBuilder();
        sb.append("source:        ").append(sourceName).append('\n');
        sb.append("sha256:        ").append(sourceSha256).append('\n');
        sb.append("format:        ").append(format).append('\n');
        sb.append("architecture:  ").append(c.numLayers()).append(" layers, dim ").append(c.embedDim()).append(", ")
                .append(c.attentionHeads()).append(" heads x ").append(c.headDim()).append(", ffn ")
                .append(c.ffnDim()).append(", vocab ").append(c.vocabSize()).append('\n');
        sb.append("token dropout: ").append(c.tokenDropout()).append(", layer norm eps ").append(c.layerNormEps())
                .append('\n');
        sb.append("parameters:    ").append(String.format("%,d", c.parameterCount())).append(" (tied embedding once")
                .append(weights.hasContactHead() ? ", with contact head)" : ", no contact head)").append('\n');
        sb.append("dtypes:        ").append(weights.tensors().values().stream().map(t -> t.dtype().name())
                .distinct().sorted().reduce((a, b) -> a + ", " + b).orElse("none"));
        return sb.toString();
    }
}
