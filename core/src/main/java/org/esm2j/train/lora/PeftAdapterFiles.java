package org.esm2j.train.lora;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.esm2j.CheckpointException;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;

/**
 * A PEFT adapter folder, as {@code PeftModel.save_pretrained} writes it and {@code PeftModel.from_pretrained} reads
 * it: {@code adapter_config.json} and {@code adapter_model.safetensors} (float32, metadata {@code format=pt}, keys
 * named by {@link PeftKeys}). PEFT's {@code adapter_model.bin} (a pickle) is not read.
 */
public final class PeftAdapterFiles {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PICKLED_WEIGHTS = "adapter_model.bin";

    private PeftAdapterFiles() {
    }

    /** Writes both files into {@code dir} (created if needed), each atomically; other files there are left alone. */
    public static void write(PeftAdapter adapter, Path dir) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        adapter.tensors().forEach((name, t) -> tensors.put(peftKey(name, adapter.base()), t));
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        byte[] json = (Json.write(adapter.config().toJson()) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve(CONFIG), out -> out.write(json));
    }

    private static String peftKey(String name, PeftBaseModel base) {
        return base.headTensors().contains(name) ? PeftKeys.moduleToSave(name) : PeftAdapter.peftKey(name, base);
    }

    /**
     * Reads the adapter in {@code dir}; tensors are copied to float32, so the files may change afterwards.
     *
     * @throws CheckpointException naming the file and what is wrong: a missing file, a key that is neither an
     *     adapter nor the class's head, keys under two different model paths, a config esm2j cannot honour, a tensor
     *     whose shape contradicts r
     */
    public static PeftAdapter read(Path dir) {
        Path configFile = dir.resolve(CONFIG);
        Path weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(dir + ": no " + CONFIG + ", not a PEFT adapter folder");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new CheckpointException(dir + ": no " + WEIGHTS + (Files.exists(dir.resolve(PICKLED_WEIGHTS))
                    ? " (only " + PICKLED_WEIGHTS + ", which esm2j does not read: save with safe_serialization=True)"
                    : ""));
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(configFile, StandardCharsets.UTF_8));
        } catch (IOException | Json.JsonException e) {
            throw new CheckpointException(configFile + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> raw = Safetensors.read(weightsFile).tensors();
        try {
            return parse(json, raw);
        } catch (CheckpointException e) {
            throw new CheckpointException(dir + ": " + e.getMessage(), e);
        }
    }

    private static PeftAdapter parse(Map<String, Object> json, Map<String, Tensor> raw) {
        Boolean underEsm = null;
        Set<Integer> layers = new TreeSet<>();
        Map<String, Tensor> adapters = new LinkedHashMap<>();
        Map<String, Tensor> others = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PeftKeys.PREFIX)) {
                throw new CheckpointException("tensor '" + key + "' is not a PEFT key (they start with "
                        + PeftKeys.PREFIX + ")");
            }
            PeftKeys.AdapterKey k = PeftKeys.parseAdapter(key);
            if (k == null) {
                others.put(key, e.getValue());
                continue;
            }
            if (underEsm != null && underEsm != k.underEsm()) {
                throw new CheckpointException("tensor '" + key + "' lies under another model path than the other "
                        + "adapters (esm.encoder... and encoder... mixed)");
            }
            underEsm = k.underEsm();
            layers.add(k.layer());
            adapters.put(k.esm2jName(), float32(key, e.getValue()));
        }
        if (underEsm == null) {
            throw new CheckpointException(WEIGHTS + " holds no LoRA tensors");
        }
        PeftAdapterConfig config = PeftAdapterConfig.fromJson(json, underEsm ? "esm." : "", layers);
        PeftBaseModel base = PeftBaseModel.of(config.taskType(), underEsm);
        Map<String, Tensor> tensors = new LinkedHashMap<>(adapters);
        for (Map.Entry<String, Tensor> e : others.entrySet()) {
            String name = e.getKey().substring(PeftKeys.PREFIX.length());
            if (!base.headTensors().contains(name)) {
                throw new CheckpointException("tensor '" + e.getKey() + "' is neither a LoRA adapter nor part of the "
                        + base.className() + " head esm2j knows (" + base.headTensors() + ")");
            }
            tensors.put(name, float32(e.getKey(), e.getValue()));
        }
        return new PeftAdapter(config, base, tensors);
    }

    private static Tensor float32(String key, Tensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new CheckpointException("tensor '" + key + "' has dtype " + t.dtype() + ", not floating point");
        }
        return Tensor.ofFloats(t.toFloatArray(), t.shape());
    }
}
