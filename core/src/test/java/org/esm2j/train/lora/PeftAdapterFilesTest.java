package org.esm2j.train.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.esm2j.CheckpointException;
import org.esm2j.cpu.RandomEsm2Weights;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.model.Esm2Config;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.head.SequenceClassifier;
import org.esm2j.train.head.TokenClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT adapter folders: esm2j's own round trip, a folder written in PEFT's layout by
 * testdata/training/make_peft_adapter.py, and every way a folder can fail to fit.
 */
class PeftAdapterFilesTest {
    private static final Path PYTHON_SEQCLS = Fixtures.root().getParent()
            .resolve("training/peft/esm2_tiny_seqcls_lora");
    private static final Esm2Config SMALL = Esm2Config.of(2, 32, 2);
    private static final LoraConfig ALL_TARGETS_RSLORA = new LoraConfig(3, 6, 0.1, EnumSet.allOf(LoraTarget.class),
            true);

    @TempDir
    Path tmp;

    /** A small model with adapters on every projection and a Hugging Face sequence classifier, all non-zero. */
    private static TrainableModel classifierModel(Esm2Config config, LoraConfig lora, int labels, long loraSeed) {
        SequenceClassifier head = SequenceClassifier.huggingFace(config.embedDim(), labels, 0, null);
        TrainableModel model = TrainableModel.builder(RandomEsm2Weights.of(config, 1)).lora(lora, loraSeed)
                .extend(head::declare).build();
        Random rnd = new Random(loraSeed);
        for (ParameterEntry e : model.layout().entries()) {
            if (e.name().endsWith(".lora_B") || e.name().startsWith("classifier.")) {
                float[] v = new float[e.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian();
                }
                model.setValues(e.name(), v);
            }
        }
        return model;
    }

    @Test
    void roundTripKeepsEveryTensorAndSetting() throws IOException {
        TrainableModel trained = classifierModel(SMALL, ALL_TARGETS_RSLORA, 4, 11);
        PeftAdapterFiles.write(PeftAdapter.of(trained, PeftBaseModel.SEQUENCE_CLASSIFICATION,
                "facebook/esm2_t6_8M_UR50D"), tmp);

        Set<String> keys = new TreeSet<>(Safetensors.read(tmp.resolve(PeftAdapterFiles.WEIGHTS)).tensors().keySet());
        Set<String> expectedKeys = new TreeSet<>(List.of("base_model.model.classifier.dense.weight",
                "base_model.model.classifier.dense.bias", "base_model.model.classifier.out_proj.weight",
                "base_model.model.classifier.out_proj.bias"));
        for (int l = 0; l < 2; l++) {
            for (String module : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "intermediate.dense", "output.dense")) {
                for (String m : List.of("lora_A", "lora_B")) {
                    expectedKeys.add("base_model.model.esm.encoder.layer." + l + "." + module + "." + m + ".weight");
                }
            }
        }
        assertEquals(expectedKeys, keys);
        Map<String, Object> json = Json.parseObject(Files.readString(tmp.resolve(PeftAdapterFiles.CONFIG)));
        assertEquals("LORA", json.get("peft_type"));
        assertEquals("SEQ_CLS", json.get("task_type"));
        assertEquals(3L, json.get("r"));
        assertEquals(6L, json.get("lora_alpha"));
        assertEquals(true, json.get("use_rslora"));
        assertEquals("none", json.get("bias"));
        assertEquals(List.of("classifier", "score"), json.get("modules_to_save"));
        assertEquals("facebook/esm2_t6_8M_UR50D", json.get("base_model_name_or_path"));
        assertEquals(List.of("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"),
                json.get("target_modules"));

        PeftAdapter read = PeftAdapterFiles.read(tmp);
        assertEquals(ALL_TARGETS_RSLORA, read.config().lora());
        assertEquals(PeftBaseModel.SEQUENCE_CLASSIFICATION, read.base());
        assertEquals((float) (6 / Math.sqrt(3)), read.config().lora().scaling());
        TrainableModel fresh = classifierModel(SMALL, read.config().lora(), 4, 99);
        read.applyTo(fresh);
        assertArrayEquals(trained.parameters(), fresh.parameters(), "every tensor after write, read, apply");
    }

    @Test
    void everyBaseClassReadsBackAsItself() throws IOException {
        for (PeftBaseModel base : PeftBaseModel.values()) {
            TrainableModel.Builder builder = TrainableModel.builder(RandomEsm2Weights.of(SMALL, 1))
                    .lora(new LoraConfig(2, 4, 0, EnumSet.of(LoraTarget.V, LoraTarget.FC2)), 3);
            if (base == PeftBaseModel.SEQUENCE_CLASSIFICATION) {
                builder.extend(SequenceClassifier.huggingFace(SMALL.embedDim(), 2, 0, null)::declare);
            } else if (base == PeftBaseModel.TOKEN_CLASSIFICATION) {
                builder.extend(new TokenClassifier(SMALL.embedDim(), 5, 0, null)::declare);
            }
            TrainableModel model = builder.build();
            Path dir = tmp.resolve(base.name());
            PeftAdapterFiles.write(PeftAdapter.of(model, base, null), dir);
            PeftAdapter read = PeftAdapterFiles.read(dir);
            assertEquals(base, read.base());
            assertEquals(model.lora().orElseThrow(), read.config().lora());
            Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve(PeftAdapterFiles.CONFIG)));
            assertEquals(base.taskType(), json.get("task_type"));
            assertTrue(json.get("target_modules") instanceof String, "fc2 without the attention output is a regex");
            String key = "base_model.model." + base.encoderPath() + "encoder.layer.1.output.dense.lora_B.weight";
            assertTrue(Safetensors.read(dir.resolve(PeftAdapterFiles.WEIGHTS)).tensors().containsKey(key),
                    base + " lacks " + key);
        }
    }

    @Test
    void folderInPeftsLayoutLoadsUnderEsm2jNames() {
        PeftAdapter adapter = PeftAdapterFiles.read(PYTHON_SEQCLS);
        assertEquals(new LoraConfig(4, 8, 0, EnumSet.of(LoraTarget.Q, LoraTarget.V)), adapter.config().lora());
        assertEquals(PeftBaseModel.SEQUENCE_CLASSIFICATION, adapter.base());
        Map<String, Tensor> expected = Safetensors.read(PYTHON_SEQCLS.resolve("expected.safetensors")).tensors();
        assertEquals(expected.keySet(), adapter.tensors().keySet());
        TrainableModel model = classifierModel(Esm2Config.of(2, 64, 4), adapter.config().lora(), 3, 5);
        adapter.applyTo(model);
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), model.values(e.getKey()), e.getKey());
        }
    }

    /** Copies the Python-written folder with its config and tensors edited. */
    private Path edited(Consumer<Map<String, Object>> config, Consumer<Map<String, Tensor>> tensors)
            throws IOException {
        Map<String, Object> json = Json.parseObject(Files.readString(PYTHON_SEQCLS.resolve(PeftAdapterFiles.CONFIG)));
        config.accept(json);
        Map<String, Tensor> t = new LinkedHashMap<>(
                Safetensors.read(PYTHON_SEQCLS.resolve(PeftAdapterFiles.WEIGHTS)).tensors());
        tensors.accept(t);
        Path dir = Files.createTempDirectory(tmp, "edited");
        Files.writeString(dir.resolve(PeftAdapterFiles.CONFIG), Json.write(json));
        Safetensors.write(dir.resolve(PeftAdapterFiles.WEIGHTS), t, Map.of("format", "pt"));
        return dir;
    }

    private void assertRefused(Path dir, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> PeftAdapterFiles.read(dir));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
    }

    @Test
    void configsEsm2jCannotHonourAreRefusedNamingTheKey() throws IOException {
        assertRefused(edited(c -> c.put("peft_type", "IA3"), t -> { }), "peft_type", "IA3");
        assertRefused(edited(c -> c.put("bias", "all"), t -> { }), "bias");
        assertRefused(edited(c -> c.put("use_dora", true), t -> { }), "'use_dora'");
        assertRefused(edited(c -> c.put("rank_pattern", Map.of("query", 8L)), t -> { }), "'rank_pattern'");
        assertRefused(edited(c -> c.put("layers_to_transform", List.of(0L)), t -> { }), "'layers_to_transform'");
        assertRefused(edited(c -> c.put("r", 8L), t -> { }), "r = 8",
                "base_model.model.esm.encoder.layer.0.attention.self.query.lora_A.weight");
        assertRefused(edited(c -> c.put("r", 0L), t -> { }), "'r'");
        assertRefused(edited(c -> c.put("target_modules", List.of("query")), t -> { }),
                "base_model.model.esm.encoder.layer.0.attention.self.value.lora_A.weight", "target_modules");
        assertRefused(edited(c -> c.put("target_modules", List.of("query", "value", "key")), t -> { }),
                "missing adapter tensor", "attention.self.key.lora_A.weight");
    }

    @Test
    void tensorsThatDoNotBelongAreRefusedNamingTheKey() throws IOException {
        String embedding = "base_model.model.esm.embeddings.word_embeddings.weight";
        assertRefused(edited(c -> { }, t -> t.put(embedding, Tensor.ofFloats(new float[33 * 64], 33, 64))),
                embedding);
        String layerNorm = "base_model.model.esm.encoder.layer.0.attention.LayerNorm.lora_A.weight";
        assertRefused(edited(c -> { }, t -> t.put(layerNorm, Tensor.ofFloats(new float[4 * 64], 4, 64))), layerNorm);
        String noPrefix = "esm.encoder.layer.0.attention.self.query.lora_A.weight";
        assertRefused(edited(c -> { }, t -> t.put(noPrefix, Tensor.ofFloats(new float[4 * 64], 4, 64))), noPrefix);
        String missing = "base_model.model.esm.encoder.layer.1.attention.self.value.lora_B.weight";
        assertRefused(edited(c -> { }, t -> t.remove(missing)), "missing adapter tensor", missing);
        String head = "base_model.model.classifier.out_proj.bias";
        assertRefused(edited(c -> { }, t -> t.remove(head)), head);
        assertRefused(edited(c -> { }, t -> t.put("base_model.model.encoder.layer.0.attention.self.key.lora_A.weight",
                Tensor.ofFloats(new float[4 * 64], 4, 64))), "encoder.layer.0.attention.self.key");
        Path noWeights = Files.createDirectories(tmp.resolve("bin-only"));
        Files.copy(PYTHON_SEQCLS.resolve(PeftAdapterFiles.CONFIG), noWeights.resolve(PeftAdapterFiles.CONFIG));
        Files.write(noWeights.resolve("adapter_model.bin"), new byte[] {1});
        assertRefused(noWeights, "adapter_model.bin");
        assertRefused(tmp.resolve("absent"), "adapter_config.json");
    }

    @Test
    void anAdapterThatDoesNotFitTheModelIsRefusedBeforeAnythingChanges() {
        PeftAdapter adapter = PeftAdapterFiles.read(PYTHON_SEQCLS);
        LoraConfig lora = adapter.config().lora();
        TrainableModel narrower = classifierModel(Esm2Config.of(2, 32, 2), lora, 3, 5);
        float[] before = narrower.parameters().clone();
        CheckpointException dims = assertThrows(CheckpointException.class, () -> adapter.applyTo(narrower));
        assertTrue(dims.getMessage().contains("other dimensions"), dims.getMessage());
        assertArrayEquals(before, narrower.parameters(), "nothing written");

        TrainableModel deeper = classifierModel(Esm2Config.of(3, 64, 4), lora, 3, 5);
        CheckpointException layers = assertThrows(CheckpointException.class, () -> adapter.applyTo(deeper));
        assertTrue(layers.getMessage().contains("layers.2.self_attn.q_proj.lora_A"), layers.getMessage());
        TrainableModel shallower = classifierModel(Esm2Config.of(1, 64, 4), lora, 3, 5);
        CheckpointException extra = assertThrows(CheckpointException.class, () -> adapter.applyTo(shallower));
        assertTrue(extra.getMessage().contains("esm.encoder.layer.1."), extra.getMessage());

        TrainableModel otherRank = classifierModel(Esm2Config.of(2, 64, 4),
                new LoraConfig(8, 8, 0, lora.targets()), 3, 5);
        CheckpointException rank = assertThrows(CheckpointException.class, () -> adapter.applyTo(otherRank));
        assertTrue(rank.getMessage().contains("r = 4") && rank.getMessage().contains("r = 8"), rank.getMessage());

        TrainableModel fiveLabels = classifierModel(Esm2Config.of(2, 64, 4), lora, 5, 5);
        CheckpointException head = assertThrows(CheckpointException.class, () -> adapter.applyTo(fiveLabels));
        assertTrue(head.getMessage().contains("base_model.model.classifier.out_proj"), head.getMessage());

        TrainableModel noHead = TrainableModel.builder(RandomEsm2Weights.of(Esm2Config.of(2, 64, 4), 1))
                .lora(lora, 1).build();
        CheckpointException missingHead = assertThrows(CheckpointException.class, () -> adapter.applyTo(noHead));
        assertTrue(missingHead.getMessage().contains("base_model.model.classifier."), missingHead.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PeftAdapter.of(noHead, PeftBaseModel.SEQUENCE_CLASSIFICATION, null));
    }
}
