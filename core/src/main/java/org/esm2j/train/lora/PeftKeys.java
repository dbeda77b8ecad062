package org.esm2j.train.lora;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esm2j.CheckpointException;
import org.esm2j.train.LoraTarget;

/**
 * The names PEFT gives ESM-2 adapter tensors in {@code adapter_model.safetensors}. PEFT wraps the Hugging Face model
 * twice (PeftModel, LoraModel), so every key starts with {@code base_model.model.}; then comes the module's path in the
 * Hugging Face model ({@code esm.encoder.layer.{i}.attention.self.query} for the ESM task classes) and the adapter
 * matrix as an {@code nn.Linear}, {@code lora_A.weight} or {@code lora_B.weight}. The in-memory adapter name
 * ({@code default}) is dropped on save. A head saved as {@code modules_to_save} keeps its own path, again without the
 * adapter name: {@code base_model.model.classifier.dense.weight}. esm2j names the same tensors
 * {@code layers.{i}.self_attn.q_proj.lora_A} and {@code classifier.dense.weight} (see {@link LoraTarget}).
 */
public final class PeftKeys {
    /** What PeftModel and LoraModel put in front of the wrapped model's own parameter names. */
    public static final String PREFIX = "base_model.model.";
    private static final Pattern ADAPTER = Pattern.compile(
            "^base_model\\.model\\.(esm\\.)?encoder\\.layer\\.(\\d{1,6})\\.(.+)\\.lora_([AB])\\.weight$");

    private PeftKeys() {
    }

    /** One adapter matrix of one layer as PEFT saves it under {@code base}. */
    public static String adapter(PeftBaseModel base, int layer, LoraTarget target, boolean down) {
        return PREFIX + moduleName(base.encoderPath(), layer, target) + (down ? ".lora_A.weight" : ".lora_B.weight");
    }

    /** A head tensor saved through {@code modules_to_save}: {@code base_model.model.} + its own name. */
    public static String moduleToSave(String name) {
        return PREFIX + name;
    }

    /**
     * The adapted module's name as PEFT matches it against {@code target_modules}: its path in the Hugging Face model,
     * e.g. {@code esm.encoder.layer.0.attention.self.query}.
     */
    static String moduleName(String encoderPath, int layer, LoraTarget target) {
        return encoderPath + "encoder.layer." + layer + "." + target.huggingFaceModule();
    }

    /** A parsed adapter key. */
    record AdapterKey(boolean underEsm, int layer, LoraTarget target, boolean down) {
        /** esm2j's name of the same matrix, {@code layers.{i}.{module}.lora_A} or {@code ..lora_B}. */
        String esm2jName() {
            return down ? target.adapterA(layer) : target.adapterB(layer);
        }
    }

    /**
     * The adapter matrix {@code key} names, or null when it is no LoRA key (a {@code modules_to_save} tensor, say).
     *
     * @throws CheckpointException for a LoRA key on a module other than the six esm2j adapts (PEFT's embedding or
     *     LM-head adapters, say)
     */
    static AdapterKey parseAdapter(String key) {
        Matcher m = ADAPTER.matcher(key);
        if (!m.matches()) {
            if (key.contains(".lora_")) {
                throw new CheckpointException("adapter tensor '" + key + "' is not on an ESM-2 encoder layer's "
                        + "query, key, value, attention output, intermediate or output projection, "
                        + "the only ones esm2j adapts");
            }
            return null;
        }
        for (LoraTarget t : LoraTarget.values()) {
            if (t.huggingFaceModule().equals(m.group(3))) {
                return new AdapterKey(m.group(1) != null, Integer.parseInt(m.group(2)), t, m.group(4).equals("A"));
            }
        }
        throw new CheckpointException("adapter tensor '" + key + "' is on module '" + m.group(3)
                + "', which is not a projection esm2j adapts (" + huggingFaceModules() + ")");
    }

    private static String huggingFaceModules() {
        StringBuilder sb = new StringBuilder();
        for (LoraTarget t : LoraTarget.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(t.huggingFaceModule());
        }
        return sb.toString();
    }
}
