package org.esm2j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.esm2j.CheckpointException;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadCheckpointTest {
    @TempDir
    Path tmp;

    private CheckpointException refused(Path path, String... expectedFragments) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointLoader.load(path));
        System.out.println("refused: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(path.toString()), "message names the path: " + e.getMessage());
        for (String fragment : expectedFragments) {
            assertTrue(e.getMessage().contains(fragment), "message should contain '" + fragment + "': "
                    + e.getMessage());
        }
        return e;
    }

    // --- containers

    @Test
    void truncatedZipIsRefused() throws IOException {
        byte[] pt = Files.readAllBytes(Fixtures.metaCheckpoint(Fixtures.TINY));
        Path cut = Files.write(tmp.resolve("cut.pt"), Arrays.copyOf(pt, pt.length / 2));
        refused(cut, "end-of-central-directory");
    }

    @Test
    void wrongMagicIsRefused() throws IOException {
        Path junk = Files.writeString(tmp.resolve("junk.pt"), "this is not a checkpoint");
        refused(junk, "not a torch zip checkpoint", "74 68 69 73");
    }

    @Test
    void legacyTorchFormatIsRefusedWithAdvice() throws IOException {
        // torch < 1.6 files start with the pickled magic number 0x1950a86a20f9469cfc6c
        byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
            (byte) 0xa8, 0x50, 0x19, '.'};
        refused(Files.write(tmp.resolve("old.pt"), legacy), "legacy torch serialization format is not supported",
                "_use_new_zipfile_serialization=True");
    }

    @Test
    void bigEndianByteOrderIsRefused() throws IOException {
        byte[] pkl = new TorchFiles.Pickle().op('}').stop();
        refused(TorchFiles.writeZip(tmp.resolve("be.pt"), "be", pkl, Map.of(), "big"), "byte order 'big'");
    }

    @Test
    void missingStorageEntryIsRefused() throws IOException {
        byte[] pkl = new TorchFiles.Pickle().op('}').str("w")
                .tensor("FloatStorage", "7", 4, 0, new long[] {4}, new long[] {1}).op('s').stop();
        refused(TorchFiles.writeZip(tmp.resolve("nostorage.pt"), "x", pkl, Map.of(), "little"),
                "zip entry 'x/data/7' is missing");
    }

    @Test
    void tensorPastItsStorageIsRefused() throws IOException {
        byte[] pkl = new TorchFiles.Pickle().op('}').str("w")
                .tensor("FloatStorage", "0", 4, 2, new long[] {2, 2}, new long[] {2, 1}).op('s').stop();
        refused(TorchFiles.writeZip(tmp.resolve("overrun.pt"), "x", pkl, Map.of("0", TorchFiles.floats(1, 2, 3, 4)),
                "little"), "reaches past its storage of 4 elements");
    }

    // --- hostile pickles: refused by name, nothing executed, no output written

    @Test
    void forbiddenGlobalIsRefusedAndNothingRuns() throws IOException {
        Path marker = tmp.resolve("pwned");
        byte[] pkl = new TorchFiles.Pickle().global("os", "system").mark().str("touch " + marker).tuple().op('R')
                .stop();
        Path evil = TorchFiles.writeZip(tmp.resolve("evil.pt"), "evil", pkl, Map.of(), "little");
        Path out = tmp.resolve("out").resolve("evil.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CanonicalWriter.write(CheckpointLoader.load(evil), out, DType.F32));
        assertTrue(e.getMessage().contains("forbidden global 'os.system'"), e.getMessage());
        assertFalse(Files.exists(marker), "the pickle must not run anything");
        assertFalse(Files.exists(out.getParent()), "no output may be written");
    }

    @Test
    void forbiddenStackGlobalIsRefused() throws IOException {
        byte[] pkl = new TorchFiles.Pickle().str("builtins").str("eval").op(0x93).mark().str("1+1").tuple().op('R')
                .stop();
        refused(TorchFiles.writeZip(tmp.resolve("eval.pt"), "e", pkl, Map.of(), "little"),
                "forbidden global 'builtins.eval'");
    }

    @Test
    void reduceOnNonCallableIsRefused() throws IOException {
        byte[] pkl = new TorchFiles.Pickle().str("x").op(')').op('R').stop();
        refused(TorchFiles.writeZip(tmp.resolve("call.pt"), "c", pkl, Map.of(), "little"), "not callable");
    }

    @Test
    void zipWhoseDataPklIsNoPickleIsCalledNotACheckpoint() throws IOException {
        byte[] text = "not a pickle, just a note someone zipped".getBytes(StandardCharsets.US_ASCII);
        CheckpointException e = refused(TorchFiles.writeZip(tmp.resolve("notes.zip"), "notes", text, Map.of(),
                "little"), "not a PyTorch checkpoint", "notes/data.pkl", "found 6e 6f 74 20");
        assertFalse(e.getMessage().contains("opcode"), e.getMessage());
        refused(TorchFiles.writeZip(tmp.resolve("empty.pt"), "e", new byte[0], Map.of(), "little"),
                "not a PyTorch checkpoint", "an empty entry");
    }

    @Test
    void truncatedPickleIsRefused() throws IOException {
        byte[] full = new TorchFiles.Pickle().op('}').str("key").str("value").op('s').stop();
        byte[] cut = Arrays.copyOf(full, full.length - 6);
        refused(TorchFiles.writeZip(tmp.resolve("cutpkl.pt"), "c", cut, Map.of(), "little"),
                "data.pkl at byte");
    }

    // --- tensors: strides, offsets, dtypes, shared storage

    @Test
    void rebuildsStridedOffsetAndSharedTensorsOfEveryDtype() throws IOException {
        short[] halves = {HalfFloats.floatToF16(1.5f), HalfFloats.floatToF16(-2f), HalfFloats.floatToF16(0.25f)};
        short[] bhalves = {HalfFloats.floatToBf16(3f), HalfFloats.floatToBf16(-0.5f)};
        byte[] pkl = new TorchFiles.Pickle().global("collections", "OrderedDict").op(')').op('R').mark()
                // (2, 3) row-major storage seen transposed: size (3, 2), stride (1, 3)
                .str("transposed").tensor("FloatStorage", "0", 6, 0, new long[] {3, 2}, new long[] {1, 3})
                .str("tail").tensor("FloatStorage", "0", 6, 4, new long[] {2}, new long[] {1})
                .str("half").tensor("HalfStorage", "1", 3, 1, new long[] {2}, new long[] {1})
                .str("bf16").tensor("BFloat16Storage", "2", 2, 0, new long[] {1, 2}, new long[] {2, 1})
                .str("ids").tensor("LongStorage", "3", 3, 0, new long[] {3}, new long[] {1})
                .op('u').stop();
        Path file = TorchFiles.writeZip(tmp.resolve("mixed.bin"), "any_root_name", pkl, Map.of(
                "0", TorchFiles.floats(1, 2, 3, 4, 5, 6), "1", TorchFiles.shorts(halves),
                "2", TorchFiles.shorts(bhalves), "3", TorchFiles.longs(7, -8, 1L << 40)), "little");
        Map<String, Tensor> t = TorchCheckpointFile.tensorsOf(TorchCheckpointFile.read(file), "test");
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.get("transposed").toFloatArray());
        assertArrayEquals(new long[] {3, 2}, t.get("transposed").shape());
        assertArrayEquals(new float[] {5, 6}, t.get("tail").toFloatArray());
        assertEquals(DType.F16, t.get("half").dtype());
        assertArrayEquals(new float[] {-2f, 0.25f}, t.get("half").toFloatArray());
        assertEquals(DType.BF16, t.get("bf16").dtype());
        assertArrayEquals(new float[] {3f, -0.5f}, t.get("bf16").toFloatArray());
        assertArrayEquals(new long[] {7, -8, 1L << 40}, t.get("ids").toLongArray());
    }

    // --- Hugging Face configs and shapes

    private Path huggingFaceFolderWithConfig(String name, Map<String, Object> config) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(Fixtures.huggingFaceFolder(Fixtures.TINY).resolve("model.safetensors"),
                dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), Json.write(config), StandardCharsets.UTF_8);
        return dir;
    }

    private static Map<String, Object> tinyConfig() throws IOException {
        return new LinkedHashMap<>(Json.parseObject(Files.readString(
                Fixtures.huggingFaceFolder(Fixtures.TINY).resolve("config.json"))));
    }

    @Test
    void missingConfigFieldIsNamedNotDefaulted() throws IOException {
        for (String field : List.of("layer_norm_eps", "token_dropout", "position_embedding_type", "hidden_size")) {
            Map<String, Object> config = tinyConfig();
            config.remove(field);
            refused(huggingFaceFolderWithConfig("no_" + field, config), "missing ESM-2 field '" + field + "'");
        }
    }

    @Test
    void absolutePositionEmbeddingsAreRefused() throws IOException {
        Map<String, Object> config = tinyConfig();
        config.put("position_embedding_type", "absolute");
        refused(huggingFaceFolderWithConfig("absolute", config), "position_embedding_type is 'absolute'");
    }

    @Test
    void shapeMismatchReachesTheUser() throws IOException {
        Map<String, Object> config = tinyConfig();
        config.put("hidden_size", 128L);
        config.put("intermediate_size", 512L);
        refused(huggingFaceFolderWithConfig("wrong_dim", config), "parameter 'embed_tokens.weight' has shape [33, 64]",
                "expected [33, 128]");
    }

    @Test
    void untiedLmHeadIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("untied"));
        Files.copy(Fixtures.huggingFaceFolder(Fixtures.TINY).resolve("config.json"), dir.resolve("config.json"));
        Map<String, Tensor> tensors = new LinkedHashMap<>(
                Safetensors.read(Fixtures.huggingFaceFolder(Fixtures.TINY).resolve("model.safetensors")).tensors());
        float[] decoder = tensors.get("esm.embeddings.word_embeddings.weight").toFloatArray();
        decoder[70] += 1f;
        tensors.put("lm_head.decoder.weight", Tensor.ofFloats(decoder, 33, 64));
        Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        refused(dir, "LM-head weight differs from embed_tokens.weight at [1, 6]");
    }

    @Test
    void missingWeightsAndBadShardNamesAreRefused() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.copy(Fixtures.huggingFaceFolder(Fixtures.TINY).resolve("config.json"), empty.resolve("config.json"));
        refused(empty, "no weights in the Hugging Face folder");
        Files.writeString(empty.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a\": \"../../etc/passwd\"}}");
        refused(empty, "is not a plain file name");
        refused(tmp.resolve("does-not-exist"), "checkpoint not found");
    }

    @Test
    void failedLoadLeavesNoTemporaryFiles() throws IOException {
        Path out = tmp.resolve("written");
        Files.createDirectories(out);
        Path junk = Files.writeString(tmp.resolve("junk2.pt"), "junk");
        assertThrows(CheckpointException.class,
                () -> CanonicalWriter.write(CheckpointLoader.load(junk), out.resolve("x.safetensors"), DType.BF16));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(0, files.count());
        }
    }
}
