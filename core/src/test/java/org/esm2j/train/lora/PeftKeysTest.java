package org.esm2j.train.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.CheckpointException;
import org.esm2j.train.LoraTarget;
import org.junit.jupiter.api.Test;

/**
 * The name mapping between esm2j's adapters and PEFT's keys for Hugging Face's ESM classes, and PEFT's
 * {@code target_modules} for every subset of the six projections.
 */
class PeftKeysTest {
    /** esm2j adapter name -> PEFT key in an EsmForMaskedLM / EsmForSequenceClassification adapter (layer 3). */
    private static final Map<String, String> TABLE = Map.of(
            "layers.3.self_attn.q_proj.lora_A",
            "base_model.model.esm.encoder.layer.3.attention.self.query.lora_A.weight",
            "layers.3.self_attn.k_proj.lora_B",
            "base_model.model.esm.encoder.layer.3.attention.self.key.lora_B.weight",
            "layers.3.self_attn.v_proj.lora_A",
            "base_model.model.esm.encoder.layer.3.attention.self.value.lora_A.weight",
            "layers.3.self_attn.out_proj.lora_B",
            "base_model.model.esm.encoder.layer.3.attention.output.dense.lora_B.weight",
            "layers.3.fc1.lora_A", "base_model.model.esm.encoder.layer.3.intermediate.dense.lora_A.weight",
            "layers.3.fc2.lora_B", "base_model.model.esm.encoder.layer.3.output.dense.lora_B.weight");

    @Test
    void adapterKeysFollowTheTable() {
        for (Map.Entry<String, String> e : TABLE.entrySet()) {
            for (PeftBaseModel base : List.of(PeftBaseModel.MASKED_LM, PeftBaseModel.SEQUENCE_CLASSIFICATION)) {
                assertEquals(e.getValue(), PeftAdapter.peftKey(e.getKey(), base), base + " " + e.getKey());
            }
            PeftKeys.AdapterKey parsed = PeftKeys.parseAdapter(e.getValue());
            assertEquals(e.getKey(), parsed.esm2jName());
            assertTrue(parsed.underEsm());
            String bare = e.getValue().replace("base_model.model.esm.", "base_model.model.");
            assertEquals(bare, PeftAdapter.peftKey(e.getKey(), PeftBaseModel.ESM_MODEL), "EsmModel " + e.getKey());
            assertEquals(e.getKey(), PeftKeys.parseAdapter(bare).esm2jName());
        }
        assertEquals("base_model.model.classifier.out_proj.weight",
                PeftKeys.moduleToSave("classifier.out_proj.weight"));
        assertNull(PeftKeys.parseAdapter("base_model.model.classifier.dense.weight"));
        assertThrows(CheckpointException.class,
                () -> PeftKeys.parseAdapter("base_model.model.lm_head.dense.lora_A.weight"));
        assertThrows(CheckpointException.class,
                () -> PeftKeys.parseAdapter("base_model.model.esm.encoder.layer.0.attention.LayerNorm.lora_A.weight"));
    }

    @Test
    void targetModulesRoundTripForEverySubset() {
        for (int bits = 1; bits < 64; bits++) {
            Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
            for (LoraTarget t : LoraTarget.values()) {
                if ((bits >> t.ordinal() & 1) != 0) {
                    targets.add(t);
                }
            }
            Object value = PeftTargetModules.toConfigValue(targets);
            for (String encoder : List.of("esm.", "")) {
                assertEquals(targets, PeftTargetModules.fromConfigValue(value, encoder, List.of(0, 1, 11), List.of()),
                        targets + " written as " + value);
            }
        }
        assertEquals(List.of("query", "value"),
                PeftTargetModules.toConfigValue(EnumSet.of(LoraTarget.Q, LoraTarget.V)));
        assertEquals(List.of("key", "attention.output.dense", "intermediate.dense", "output.dense"),
                PeftTargetModules.toConfigValue(EnumSet.of(LoraTarget.K, LoraTarget.O, LoraTarget.FC1,
                        LoraTarget.FC2)));
        // PEFT's list rule: "output.dense" also ends "attention.output.dense", so it adapts both
        assertEquals(EnumSet.of(LoraTarget.O, LoraTarget.FC2),
                PeftTargetModules.fromConfigValue(List.of("output.dense"), "esm.", List.of(0), List.of()));
        assertTrue(PeftTargetModules.toConfigValue(EnumSet.of(LoraTarget.FC2)) instanceof String);
    }

    @Test
    void targetModulesEsm2jCannotHonourAreRefused() {
        List<Integer> layer0 = List.of(0);
        CheckpointException loose = assertThrows(CheckpointException.class,
                () -> PeftTargetModules.fromConfigValue(List.of("dense"), "esm.", layer0, List.of()));
        assertTrue(loose.getMessage().contains("lm_head.dense"), loose.getMessage());
        // with the classifier saved whole, "dense" still reaches lm_head.dense in EsmForMaskedLM's list of modules
        assertThrows(CheckpointException.class, () -> PeftTargetModules.fromConfigValue(List.of("dense"), "esm.",
                layer0, List.of("classifier")));
        assertThrows(CheckpointException.class,
                () -> PeftTargetModules.fromConfigValue(List.of("word_embeddings"), "esm.", layer0, List.of()));
        assertThrows(CheckpointException.class,
                () -> PeftTargetModules.fromConfigValue(".*layer\\.0\\..*query", "esm.", List.of(0, 1), List.of()));
        assertThrows(CheckpointException.class,
                () -> PeftTargetModules.fromConfigValue("([", "esm.", layer0, List.of()));
        List<Object> mixed = new ArrayList<>(List.of("query", 3L));
        assertThrows(CheckpointException.class,
                () -> PeftTargetModules.fromConfigValue(mixed, "esm.", layer0, List.of()));
        assertEquals(EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V),
                PeftTargetModules.fromConfigValue(".*\\.attention\\.self\\.(query|key|value)", "esm.", List.of(0, 5),
                        List.of()));
    }
}
