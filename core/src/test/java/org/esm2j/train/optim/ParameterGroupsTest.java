package org.esm2j.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.junit.jupiter.api.Test;

/** Roles read from fair-esm and Hugging Face names, the groups built from them, and freezing. */
class ParameterGroupsTest {
    private static final List<String> FAIR_ESM = List.of("embed_tokens.weight",
            "layers.0.self_attn.q_proj.weight", "layers.0.self_attn.q_proj.bias", "layers.0.self_attn_layer_norm.weight",
            "layers.1.fc2.weight", "layers.1.final_layer_norm.bias", "layers.1.self_attn.q_proj.lora_A",
            "emb_layer_norm_after.weight", "lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias",
            "contact_head.regression.weight", "classifier.dense.weight", "classifier.out_proj.bias");

    @Test
    void rolesFromBothNamingSchemes() {
        assertTrue(ParameterRole.isLayerNorm("esm.encoder.layer.3.attention.LayerNorm.weight"));
        assertTrue(ParameterRole.isLayerNorm("layers.0.self_attn_layer_norm.weight"));
        assertTrue(ParameterRole.isEmbedding("esm.embeddings.word_embeddings.weight"));
        assertEquals(3, ParameterRole.layerIndex("esm.encoder.layer.3.attention.self.query.weight"));
        assertEquals(11, ParameterRole.layerIndex("layers.11.fc1.bias"));
        assertEquals(-1, ParameterRole.layerIndex("emb_layer_norm_after.bias"));
        assertTrue(ParameterRole.isBias("lm_head.bias"));
        assertFalse(ParameterRole.isBackbone("classifier.dense.weight"));
        assertFalse(ParameterRole.isBackbone("lm_head.dense.weight"));
        assertTrue(ParameterRole.isBackbone("esm.encoder.emb_layer_norm_after.weight"));
    }

    @Test
    void huggingFaceGroupingExcludesBiasesAndLayerNormFromDecay() {
        ParameterLayout layout = layout(FAIR_ESM);
        Map<Double, List<String>> byDecay = ParameterGroups.noDecayOnBiasAndLayerNorm(layout, 1e-3, 0.01).stream()
                .collect(Collectors.toMap(ParameterGroup::weightDecay, ParameterGroup::entries));
        assertEquals(List.of("layers.0.self_attn.q_proj.bias", "layers.0.self_attn_layer_norm.weight",
                "layers.1.final_layer_norm.bias", "emb_layer_norm_after.weight", "lm_head.layer_norm.weight",
                "lm_head.bias", "classifier.out_proj.bias"), byDecay.get(0.0));
        assertTrue(byDecay.get(0.01).contains("embed_tokens.weight"));
        assertFalse(byDecay.get(0.01).contains("contact_head.regression.weight"), "frozen entries join no group");
    }

    @Test
    void layerwiseDecayGivesEmbeddingsTheDeepestFactorAndHeadsTheirOwnRate() {
        ParameterLayout layout = layout(FAIR_ESM);
        Map<String, Double> lr = ParameterGroups.builder(1.0, 0.0).layerwiseDecay(2, 0.5).headLearningRate(3.0)
                .build(layout).stream()
                .flatMap(g -> g.entries().stream().map(n -> Map.entry(n, g.lr())))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(0.125, lr.get("embed_tokens.weight"));
        assertEquals(0.25, lr.get("layers.0.self_attn.q_proj.weight"));
        assertEquals(0.5, lr.get("layers.1.fc2.weight"));
        assertEquals(0.5, lr.get("layers.1.self_attn.q_proj.lora_A"));
        assertEquals(1.0, lr.get("emb_layer_norm_after.weight"));
        assertEquals(3.0, lr.get("lm_head.dense.weight"));
        assertEquals(3.0, lr.get("classifier.dense.weight"));
        assertThrows(IllegalArgumentException.class,
                () -> ParameterGroups.builder(1.0, 0.0).layerwiseDecay(1, 0.5).build(layout),
                "block 1 with decay configured for one block");
    }

    @Test
    void freezingKeepsFrozenEntriesFrozen() {
        ParameterLayout layout = layout(FAIR_ESM);
        ParameterLayout bottom = Freezing.freeze(layout, Freezing.embeddingsAndBottomLayers(1));
        assertFalse(bottom.entry("embed_tokens.weight").trainable());
        assertFalse(bottom.entry("layers.0.self_attn.q_proj.bias").trainable());
        assertTrue(bottom.entry("layers.1.fc2.weight").trainable());
        assertFalse(bottom.entry("contact_head.regression.weight").trainable());
        ParameterLayout probe = Freezing.freeze(layout, Freezing.backbone());
        assertEquals(List.of("lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias",
                "classifier.dense.weight", "classifier.out_proj.bias"),
                probe.trainable().stream().map(ParameterEntry::name).toList());
    }

    @Test
    void anEntryInTwoGroupsOrAFrozenEntryInAGroupIsRejected() {
        ParameterLayout layout = layout(FAIR_ESM);
        ParameterGroup a = new ParameterGroup("a", List.of("embed_tokens.weight"), 1e-3, 0);
        assertThrows(IllegalArgumentException.class, () -> new AdamW(layout, List.of(a, a)));
        ParameterGroup frozen = new ParameterGroup("f", List.of("contact_head.regression.weight"), 1e-3, 0);
        assertThrows(IllegalArgumentException.class, () -> new Sgd(layout, List.of(frozen), 0, 0, false));
    }

    private static ParameterLayout layout(List<String> names) {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (String n : names) {
            b.add(n, new long[] {2}, !n.startsWith("contact_head"));
        }
        return b.build();
    }
}
