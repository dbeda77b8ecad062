package org.esm2j.train.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.esm2j.CheckpointException;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;

/**
 * The part of PEFT's {@code adapter_config.json} that decides what a LoRA adapter computes: rank, alpha, dropout,
 * rsLoRA, the adapted projections, plus what travels beside it (task type, {@code modules_to_save}, the base model's
 * name). Reading keeps to PEFT's defaults for absent keys (r 8, lora_alpha 8, lora_dropout 0) and refuses any setting
 * esm2j would silently compute differently: another {@code peft_type}, trained biases, DoRA, per-layer ranks, layer
 * subsets and every option it does not know that is set to something other than null, false or empty.
 *
 * @param lora rank, alpha, dropout, rsLoRA and the adapted projections
 * @param taskType PEFT's {@code task_type} or null
 * @param modulesToSave modules saved whole beside the adapter (empty for none)
 * @param baseModelNameOrPath the Hugging Face model the adapter belongs to, or null
 */
public record PeftAdapterConfig(LoraConfig lora, String taskType, List<String> modulesToSave,
        String baseModelNameOrPath) {
    /** Options that only steer initialisation or where the files came from; they do not change a loaded adapter. */
    private static final Set<String> IGNORED = Set.of("init_lora_weights", "inference_mode", "revision",
            "auto_mapping", "loftq_config", "eva_config", "corda_config", "lora_ga_config", "megatron_config",
            "megatron_core", "runtime_config", "qalora_group_size", "peft_version");
    /** Options read into this record. */
    private static final Set<String> READ = Set.of("peft_type", "r", "lora_alpha", "lora_dropout", "use_rslora",
            "target_modules", "bias", "task_type", "modules_to_save", "base_model_name_or_path");

    public PeftAdapterConfig {
        Objects.requireNonNull(lora, "lora");
        modulesToSave = List.copyOf(modulesToSave);
    }

    /** The settings of {@code lora} for a model of class {@code base}. */
    public static PeftAdapterConfig of(LoraConfig lora, PeftBaseModel base, String baseModelNameOrPath) {
        return new PeftAdapterConfig(lora, base.taskType(), base.modulesToSave(), baseModelNameOrPath);
    }

    /** {@code adapter_config.json} as PEFT writes it (keys sorted, null where PEFT has no value). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new TreeMap<>();
        m.put("alpha_pattern", Map.of());
        m.put("auto_mapping", null);
        m.put("base_model_name_or_path", baseModelNameOrPath);
        m.put("bias", "none");
        m.put("fan_in_fan_out", false);
        m.put("inference_mode", true);
        m.put("init_lora_weights", true);
        m.put("layers_pattern", null);
        m.put("layers_to_transform", null);
        double alpha = lora.alpha();
        m.put("lora_alpha", alpha == Math.rint(alpha) ? (Object) (long) alpha : (Object) alpha);
        m.put("lora_dropout", lora.dropout());
        m.put("modules_to_save", modulesToSave.isEmpty() ? null : modulesToSave);
        m.put("peft_type", "LORA");
        m.put("r", lora.rank());
        m.put("rank_pattern", Map.of());
        m.put("revision", null);
        m.put("target_modules", PeftTargetModules.toConfigValue(lora.targets()));
        m.put("task_type", taskType);
        m.put("use_dora", false);
        m.put("use_rslora", lora.rankStabilized());
        return m;
    }

    /**
     * Reads a parsed {@code adapter_config.json}.
     *
     * @param encoderPath where the encoder sits in the adapted model ({@code esm.} or empty), from the tensor keys
     * @param layers the layer indices the adapter file has tensors for (target modules must agree across them)
     */
    public static PeftAdapterConfig fromJson(Map<String, Object> json, String encoderPath,
            Collection<Integer> layers) {
        Object type = json.get("peft_type");
        if (!"LORA".equals(type)) {
            throw new CheckpointException("adapter_config.json: peft_type is " + type + ", esm2j reads only LORA");
        }
        Object bias = json.getOrDefault("bias", "none");
        if (!"none".equals(bias)) {
            throw new CheckpointException("adapter_config.json: bias is " + bias
                    + "; esm2j trains no biases under LoRA, only bias \"none\" is supported");
        }
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (!READ.contains(e.getKey()) && !IGNORED.contains(e.getKey()) && isSet(e.getValue())) {
                throw new CheckpointException("adapter_config.json: '" + e.getKey() + "' = " + e.getValue()
                        + " is a PEFT option esm2j does not implement (only its default, null, false or empty, loads)");
            }
        }
        List<String> modulesToSave = strings(json.get("modules_to_save"), "modules_to_save");
        Set<LoraTarget> targets = PeftTargetModules.fromConfigValue(json.get("target_modules"), encoderPath, layers,
                modulesToSave);
        LoraConfig lora;
        try {
            lora = new LoraConfig(integer(json.getOrDefault("r", 8L), "r"),
                    number(json.getOrDefault("lora_alpha", 8L), "lora_alpha"),
                    number(json.getOrDefault("lora_dropout", 0L), "lora_dropout"), targets,
                    Boolean.TRUE.equals(json.get("use_rslora")));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("adapter_config.json: " + e.getMessage(), e);
        }
        return new PeftAdapterConfig(lora, string(json.get("task_type"), "task_type"), modulesToSave,
                string(json.get("base_model_name_or_path"), "base_model_name_or_path"));
    }

    private static boolean isSet(Object value) {
        return value != null && !Boolean.FALSE.equals(value)
                && !(value instanceof Collection<?> c && c.isEmpty()) && !(value instanceof Map<?, ?> m && m.isEmpty());
    }

    private static int integer(Object value, String key) {
        if (!(value instanceof Long l) || l < 1 || l > Integer.MAX_VALUE) {
            throw new CheckpointException("adapter_config.json: '" + key + "' must be a positive integer, got "
                    + value);
        }
        return l.intValue();
    }

    private static double number(Object value, String key) {
        if (!(value instanceof Number n)) {
            throw new CheckpointException("adapter_config.json: '" + key + "' must be a number, got " + value);
        }
        return n.doubleValue();
    }

    private static String string(Object value, String key) {
        if (value != null && !(value instanceof String)) {
            throw new CheckpointException("adapter_config.json: '" + key + "' must be a string or null, got "
                    + value);
        }
        return (String) value;
    }

    private static List<String> strings(Object value, String key) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List<?> list)) {
            throw new CheckpointException("adapter_config.json: '" + key + "' must be a list of names, got " + value);
        }
        for (Object o : list) {
            out.add(string(o, key));
        }
        return out;
    }
}
