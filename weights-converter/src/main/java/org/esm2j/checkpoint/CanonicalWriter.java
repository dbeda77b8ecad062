package org.esm2j.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.Esm2jVersion;
import org.esm2j.io.Safetensors;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;

/**
 * Writes esm2j's canonical safetensors: canonical parameter names in {@link Esm2Weights#expectedShapes} order, float
 * tensors in one chosen dtype, and metadata {@code format=esm2j}, {@code esm2j.config} (the config JSON),
 * {@code source}, {@code source_sha256} (when the weights came from a file) and {@code esm2j.version}.
 * {@link CheckpointLoader} reads it back.
 */
public final class CanonicalWriter {
    private static final String VERSION_KEY = "esm2j.version";

    private CanonicalWriter() {
    }

    /**
     * Writes atomically: a failed write leaves no partial file. The rotary {@code inv_freq} tensors stay float32
     * whatever {@code dtype} is: they are tiny, their fp16-rounded values are what the model was trained with, and
     * bf16 would round them further and shift every rotation angle.
     */
    public static void write(LoadedCheckpoint checkpoint, Path out, DType dtype) throws IOException {
        if (!dtype.isFloatingPoint() || dtype == DType.F64) {
            throw new IllegalArgumentException("canonical weights are F32, BF16 or F16, not " + dtype);
        }
        Esm2Weights weights = checkpoint.weights();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : Esm2Weights.expectedShapes(weights.config(), weights.hasContactHead()).keySet()) {
            Tensor t = weights.tensor(name);
            tensors.put(name, t.convertTo(isRotaryFrequency(name) ? DType.F32 : dtype));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(CheckpointLoader.CANONICAL_FORMAT_KEY, LoadedCheckpoint.FORMAT_ESM2J);
        metadata.put(CheckpointLoader.CANONICAL_CONFIG_KEY, weights.config().toJson());
        metadata.put(CheckpointLoader.CANONICAL_SOURCE_KEY, checkpoint.sourceName());
        if (checkpoint.sourceSha256() != null) {
            metadata.put(CheckpointLoader.CANONICAL_SOURCE_SHA_KEY, checkpoint.sourceSha256());
        }
        metadata.put(VERSION_KEY, Esm2jVersion.get());
        Safetensors.write(out, tensors, metadata);
    }

    static boolean isRotaryFrequency(String name) {
        return name.endsWith(".rot_emb.inv_freq");
    }
}
