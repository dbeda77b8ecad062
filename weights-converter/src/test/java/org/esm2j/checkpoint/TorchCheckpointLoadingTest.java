package org.esm2j.checkpoint;

import static org.esm2j.checkpoint.HuggingFaceLoadingTest.assertSameTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TorchCheckpointLoadingTest {
    @TempDir
    Path tmp;

    static List<String> models() {
        return Fixtures.MODELS;
    }

    @ParameterizedTest
    @MethodSource("models")
    void metaCheckpointEqualsTheHuggingFaceFolder(String model) {
        LoadedCheckpoint meta = CheckpointLoader.load(Fixtures.metaCheckpoint(model));
        LoadedCheckpoint hf = CheckpointLoader.load(Fixtures.huggingFaceFolder(model));
        assertEquals(LoadedCheckpoint.FORMAT_FAIR_ESM, meta.format());
        assertEquals(model + ".pt", meta.sourceName());
        assertEquals(SourceDigest.sha256(List.of(Fixtures.metaCheckpoint(model))), meta.sourceSha256());
        assertEquals(hf.weights().config(), meta.weights().config());
        assertTrue(meta.weights().hasContactHead(), "the co-located -contact-regression.pt must be read");
        assertSameTensors(hf.weights(), meta.weights());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf_bin", "hf_sharded", "hf_bin_sharded"})
    void everyTinyLayoutGivesBitIdenticalTensors(String layout) {
        Esm2Weights reference = CheckpointLoader.load(Fixtures.metaCheckpoint(Fixtures.TINY)).weights();
        LoadedCheckpoint other = CheckpointLoader.load(Fixtures.model(Fixtures.TINY).resolve(layout));
        assertEquals(layout.startsWith("hf_bin") ? LoadedCheckpoint.FORMAT_HF_PYTORCH
                : LoadedCheckpoint.FORMAT_HF_SAFETENSORS, other.format());
        assertEquals(reference.config(), other.weights().config());
        assertSameTensors(reference, other.weights());
    }

    @Test
    void checkpointWithoutRegressionFileHasNoContactHeadAndLoadsUnderAnyName() throws IOException {
        Path renamed = tmp.resolve("renamed_model.pt");
        Files.copy(Fixtures.metaCheckpoint(Fixtures.TINY), renamed);
        LoadedCheckpoint ckpt = CheckpointLoader.load(renamed);
        assertFalse(ckpt.weights().hasContactHead());
        assertEquals(Esm2Config.of(2, 64, 4), ckpt.weights().config());
        assertEquals("renamed_model.pt", ckpt.sourceName());
    }

    @Test
    void bareHuggingFaceBinWithoutConfigInfersTheArchitecture() throws IOException {
        Path bin = tmp.resolve("weights.bin");
        Files.copy(Fixtures.model(Fixtures.TINY).resolve("hf_bin/pytorch_model.bin"), bin);
        LoadedCheckpoint ckpt = CheckpointLoader.load(bin);
        assertEquals(Esm2Config.of(2, 64, 4), ckpt.weights().config());
        assertSameTensors(CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.TINY)).weights(), ckpt.weights());
    }

    @Test
    void metaToCanonicalRoundTripKeepsProvenance() throws IOException {
        LoadedCheckpoint meta = CheckpointLoader.load(Fixtures.metaCheckpoint(Fixtures.TINY));
        Path out = tmp.resolve("tiny.safetensors");
        CanonicalWriter.write(meta, out, org.esm2j.tensor.DType.F32);
        LoadedCheckpoint back = CheckpointLoader.load(out);
        assertEquals(meta.sourceName(), back.sourceName());
        assertEquals(meta.sourceSha256(), back.sourceSha256());
        assertSameTensors(meta.weights(), back.weights());
    }
}
