package org.esm2j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.io.Safetensors;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HuggingFaceLoadingTest {
    @TempDir
    Path tmp;

    static List<String> models() {
        return Fixtures.MODELS;
    }

    private static Esm2Config expectedConfig(String model) {
        switch (model) {
            case Fixtures.TINY: return Esm2Config.of(2, 64, 4);
            case Fixtures.HEADS20: return Esm2Config.of(2, 320, 20);
            case Fixtures.HEAD_DIM64: return Esm2Config.of(2, 256, 4);
            default: throw new IllegalArgumentException(model);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void loadsHuggingFaceFolderUnderCanonicalNames(String model) {
        Path folder = Fixtures.huggingFaceFolder(model);
        LoadedCheckpoint ckpt = CheckpointLoader.load(folder);
        Esm2Weights w = ckpt.weights();
        assertEquals(expectedConfig(model), w.config());
        assertEquals(LoadedCheckpoint.FORMAT_HF_SAFETENSORS, ckpt.format());
        assertEquals("hf", ckpt.sourceName());
        assertEquals(SourceDigest.sha256(List.of(folder.resolve("model.safetensors"))), ckpt.sourceSha256());
        assertTrue(w.hasContactHead(), "esm.contact_head.regression.* must be picked up");
        assertTrue(w.extraNames().isEmpty(), "only used parameters are kept: " + w.extraNames());

        Map<String, Tensor> hf = Safetensors.read(folder.resolve("model.safetensors")).tensors();
        assertBitEqual(hf.get("esm.embeddings.word_embeddings.weight"), w.tensor(Esm2Weights.EMBED_TOKENS));
        assertBitEqual(hf.get("esm.encoder.layer.1.attention.self.query.weight"),
                w.tensor("layers.1.self_attn.q_proj.weight"));
        assertBitEqual(hf.get("esm.encoder.layer.1.attention.LayerNorm.gamma"),
                w.tensor("layers.1.self_attn_layer_norm.weight"));
        assertBitEqual(hf.get("esm.encoder.layer.0.LayerNorm.beta"), w.tensor("layers.0.final_layer_norm.bias"));
        assertBitEqual(hf.get("esm.encoder.layer.0.output.dense.weight"), w.tensor("layers.0.fc2.weight"));
        assertBitEqual(hf.get("esm.contact_head.regression.weight"), w.tensor(Esm2Weights.CONTACT_WEIGHT));

        // The stored inv_freq carries the fp16 rounding of the released checkpoints: it must be used as stored.
        float[] invFreq = w.floats("layers.1.self_attn.rot_emb.inv_freq");
        int headDim = w.config().headDim();
        boolean differsFromExactFormula = false;
        for (int i = 0; i < invFreq.length; i++) {
            float exact = 1f / (float) Math.pow(10000, (float) (2 * i) / headDim);
            assertEquals(HalfFloats.f16ToFloat(HalfFloats.floatToF16(exact)), invFreq[i], 0f, "inv_freq[" + i + "]");
            differsFromExactFormula |= exact != invFreq[i];
        }
        assertTrue(differsFromExactFormula, "fixture inv_freq should differ from the unrounded formula");
        System.out.println(ckpt.describe());
    }

    /** Folders saved without inv_freq get the fp16-rounded formula, which must equal what the fixtures store. */
    @ParameterizedTest
    @MethodSource("models")
    void recomputedInvFreqEqualsTheStoredOne(String model) throws IOException {
        Path folder = Fixtures.huggingFaceFolder(model);
        Map<String, Tensor> withoutInvFreq = new java.util.LinkedHashMap<>(
                Safetensors.read(folder.resolve("model.safetensors")).tensors());
        assertTrue(withoutInvFreq.keySet().removeIf(k -> k.endsWith("inv_freq")));
        Path dir = java.nio.file.Files.createDirectories(tmp.resolve(model + "-no-inv-freq"));
        java.nio.file.Files.copy(folder.resolve("config.json"), dir.resolve("config.json"));
        Safetensors.write(dir.resolve("model.safetensors"), withoutInvFreq, Map.of("format", "pt"));
        Esm2Weights stored = CheckpointLoader.load(folder).weights();
        Esm2Weights recomputed = CheckpointLoader.load(dir).weights();
        for (int layer = 0; layer < stored.config().numLayers(); layer++) {
            String name = Esm2Weights.layer(layer, "self_attn.rot_emb.inv_freq");
            assertArrayEquals(stored.floats(name), recomputed.floats(name), name);
        }
    }

    @Test
    void shardedSafetensorsFolderGivesTheSameTensors() {
        Esm2Weights single = CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.TINY)).weights();
        LoadedCheckpoint sharded = CheckpointLoader.load(Fixtures.model(Fixtures.TINY).resolve("hf_sharded"));
        assertSameTensors(single, sharded.weights());
        assertEquals("hf_sharded", sharded.sourceName());
    }

    @ParameterizedTest
    @MethodSource("models")
    void canonicalRoundTripIsExactInFloat32(String model) throws IOException {
        LoadedCheckpoint original = CheckpointLoader.load(Fixtures.huggingFaceFolder(model));
        Path out = tmp.resolve(model + ".safetensors");
        CanonicalWriter.write(original, out, DType.F32);
        LoadedCheckpoint back = CheckpointLoader.load(out);
        assertEquals(LoadedCheckpoint.FORMAT_ESM2J, back.format());
        assertEquals(original.sourceName(), back.sourceName());
        assertEquals(original.sourceSha256(), back.sourceSha256());
        assertEquals(original.weights().config(), back.weights().config());
        assertSameTensors(original.weights(), back.weights());
        Map<String, String> meta = Safetensors.read(out).metadata();
        assertEquals("esm2j", meta.get("format"));
        assertEquals(original.weights().config().toJson(), meta.get("esm2j.config"));
        assertTrue(meta.containsKey("esm2j.version"));
    }

    @Test
    void weightsFromNoSourceFileAreIdentifiedByTheirOwnFile() throws IOException, NoSuchAlgorithmException {
        Esm2Weights weights = CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.TINY)).weights();
        Path trained = tmp.resolve("trained.safetensors");
        CanonicalWriter.write(new LoadedCheckpoint(weights, "esm2j train-mlm", null, LoadedCheckpoint.FORMAT_ESM2J),
                trained, DType.F32);
        Safetensors.Contents contents = Safetensors.read(trained);
        assertFalse(contents.metadata().containsKey("source_sha256"), contents.metadata().toString());
        assertEquals(fileSha256(trained), CheckpointLoader.load(trained).sourceSha256());

        // As train-mlm wrote its models before: an empty recorded digest, which finetune and predict rejected.
        Map<String, String> emptyDigest = new LinkedHashMap<>(contents.metadata());
        emptyDigest.put("source_sha256", "");
        Path older = tmp.resolve("older.safetensors");
        Safetensors.write(older, contents.tensors(), emptyDigest);
        assertEquals(fileSha256(older), CheckpointLoader.load(older).sourceSha256());
    }

    private static String fileSha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @ParameterizedTest
    @MethodSource("models")
    void canonicalRoundTripInHalfPrecisionsIsWithinRounding(String model) throws IOException {
        LoadedCheckpoint original = CheckpointLoader.load(Fixtures.huggingFaceFolder(model));
        // Round to nearest: at most half an ulp of the target type, relative (plus the subnormal floor for fp16).
        Object[][] cases = {{DType.BF16, 0x1p-8, 0.0}, {DType.F16, 0x1p-11, 0x1p-25}};
        for (Object[] c : cases) {
            DType dtype = (DType) c[0];
            Path out = tmp.resolve(model + "-" + dtype + ".safetensors");
            CanonicalWriter.write(original, out, dtype);
            Esm2Weights back = CheckpointLoader.load(out).weights();
            for (Map.Entry<String, Tensor> e : original.weights().tensors().entrySet()) {
                Tensor t = back.tensor(e.getKey());
                boolean rotary = CanonicalWriter.isRotaryFrequency(e.getKey());
                assertEquals(rotary ? DType.F32 : dtype, t.dtype(), e.getKey());
                NumericAssert.assertClose(dtype + " " + e.getKey(), t.toFloatArray(), e.getValue().toFloatArray(),
                        (double) c[2], (double) c[1]);
            }
        }
    }

    static void assertSameTensors(Esm2Weights expected, Esm2Weights actual) {
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        for (Map.Entry<String, Tensor> e : expected.tensors().entrySet()) {
            assertBitEqual(e.getValue(), actual.tensor(e.getKey()));
        }
    }

    static void assertBitEqual(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        assertEquals(expected.bytes(), actual.bytes(), "tensor bytes differ: " + actual);
    }
}
