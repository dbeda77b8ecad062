package org.esm2j.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.esm2j.CheckpointException;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;

/**
 * Reads ESM-2 weights from any of the layouts they are published in, into canonical {@link Esm2Weights}:
 * <ul>
 *   <li>Meta's fair-esm {@code .pt} (torch zip + pickle), with the co-located {@code <stem>-contact-regression.pt}
 *       when present;</li>
 *   <li>a Hugging Face folder: {@code config.json} with {@code model.safetensors}, sharded safetensors
 *       ({@code model.safetensors.index.json}), {@code pytorch_model.bin} or sharded {@code .bin} (tried in that
 *       order, as transformers does);</li>
 *   <li>a single {@code .safetensors} file: esm2j's canonical file (metadata {@code format=esm2j}) or a Hugging Face
 *       file (config.json beside it is used when present, else the shapes);</li>
 *   <li>a single torch file with a Hugging Face state dict ({@code pytorch_model.bin}).</li>
 * </ul>
 * Every problem is a {@link CheckpointException} whose message starts with the path.
 */
public final class CheckpointLoader {
    static final String CANONICAL_FORMAT_KEY = "format";
    static final String CANONICAL_CONFIG_KEY = "esm2j.config";
    static final String CANONICAL_SOURCE_KEY = "source";
    static final String CANONICAL_SOURCE_SHA_KEY = "source_sha256";
    static final String CONTACT_REGRESSION_SUFFIX = "-contact-regression.pt";

    private static final String HF_CONFIG = "config.json";
    private static final String HF_SAFETENSORS = "model.safetensors";
    private static final String HF_SAFETENSORS_INDEX = "model.safetensors.index.json";
    private static final String HF_BIN = "pytorch_model.bin";
    private static final String HF_BIN_INDEX = "pytorch_model.bin.index.json";
    /** Index files are a few hundred KB even for 15B models. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private CheckpointLoader() {
    }

    /** Meta .pt (with co-located NAME-contact-regression.pt when present), Hugging Face folder, or .safetensors. */
    public static LoadedCheckpoint load(Path path) {
        if (!Files.exists(path)) {
            throw new CheckpointException(path + ": checkpoint not found");
        }
        try {
            if (Files.isDirectory(path)) {
                return loadHuggingFaceFolder(path);
            }
            if (path.getFileName().toString().endsWith(".safetensors")) {
                return loadSafetensorsFile(path);
            }
            return loadTorchFile(path);
        } catch (CheckpointException e) {
            String message = e.getMessage();
            throw new CheckpointException(message.startsWith(path.toString()) ? message : path + ": " + message, e);
        }
    }

    // --- Hugging Face folders

    private static LoadedCheckpoint loadHuggingFaceFolder(Path dir) {
        Path configFile = dir.resolve(HF_CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException("no " + HF_CONFIG + " in the Hugging Face folder");
        }
        Esm2Config config = HuggingFaceConfig.read(configFile);
        List<Path> files;
        boolean safetensors;
        if (Files.isRegularFile(dir.resolve(HF_SAFETENSORS))) {
            files = List.of(dir.resolve(HF_SAFETENSORS));
            safetensors = true;
        } else if (Files.isRegularFile(dir.resolve(HF_SAFETENSORS_INDEX))) {
            files = shardsOf(dir.resolve(HF_SAFETENSORS_INDEX));
            safetensors = true;
        } else if (Files.isRegularFile(dir.resolve(HF_BIN))) {
            files = List.of(dir.resolve(HF_BIN));
            safetensors = false;
        } else if (Files.isRegularFile(dir.resolve(HF_BIN_INDEX))) {
            files = shardsOf(dir.resolve(HF_BIN_INDEX));
            safetensors = false;
        } else {
            throw new CheckpointException("no weights in the Hugging Face folder (looked for " + HF_SAFETENSORS + ", "
                    + HF_SAFETENSORS_INDEX + ", " + HF_BIN + ", " + HF_BIN_INDEX + ")");
        }
        Map<String, Tensor> raw = new LinkedHashMap<>();
        for (Path f : files) {
            Map<String, Tensor> shard = safetensors ? Safetensors.read(f).tensors() : readTorchStateDict(f);
            for (Map.Entry<String, Tensor> e : shard.entrySet()) {
                if (raw.put(e.getKey(), e.getValue()) != null) {
                    throw new CheckpointException("tensor '" + e.getKey() + "' appears in more than one shard");
                }
            }
        }
        Esm2Weights weights = WeightsAssembler.assemble(canonicalFromHuggingFace(raw), config);
        return new LoadedCheckpoint(weights, dir.getFileName().toString(), SourceDigest.sha256(files),
                safetensors ? LoadedCheckpoint.FORMAT_HF_SAFETENSORS : LoadedCheckpoint.FORMAT_HF_PYTORCH);
    }

    /** The shard files named by a Hugging Face index, in file-name order; names must be plain files in the folder. */
    private static List<Path> shardsOf(Path index) {
        Map<String, Object> json;
        try {
            if (Files.size(index) > MAX_INDEX_BYTES) {
                throw new CheckpointException(index.getFileName() + " is too large for a shard index");
            }
            json = Json.parseObject(Files.readString(index));
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + index + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(index.getFileName() + ": malformed JSON: " + e.getMessage(), e);
        }
        if (!(json.get("weight_map") instanceof Map)) {
            throw new CheckpointException(index.getFileName() + ": no 'weight_map' object");
        }
        TreeSet<String> names = new TreeSet<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) json.get("weight_map")).entrySet()) {
            if (!(e.getValue() instanceof String)) {
                throw new CheckpointException(index.getFileName() + ": weight_map entry '" + e.getKey()
                        + "' is not a file name");
            }
            names.add((String) e.getValue());
        }
        if (names.isEmpty()) {
            throw new CheckpointException(index.getFileName() + ": weight_map is empty");
        }
        List<Path> files = new ArrayList<>();
        for (String name : names) {
            Path p = index.resolveSibling(name);
            if (name.contains("/") || name.contains("\\") || name.equals("..") || !p.getParent().equals(index.getParent())) {
                throw new CheckpointException(index.getFileName() + ": shard name '" + name
                        + "' is not a plain file name in the folder");
            }
            if (!Files.isRegularFile(p)) {
                throw new CheckpointException(index.getFileName() + ": shard '" + name + "' is missing");
            }
            files.add(p);
        }
        return files;
    }

    private static Map<String, Tensor> canonicalFromHuggingFace(Map<String, Tensor> raw) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            String name = KeyNames.fromHuggingFace(e.getKey());
            if (name != null && out.put(name, e.getValue()) != null) {
                throw new CheckpointException("two tensors map to parameter '" + name + "' (one is '" + e.getKey()
                        + "')");
            }
        }
        return out;
    }

    private static Map<String, Tensor> canonicalFromFairEsm(Map<String, Tensor> raw) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            String name = KeyNames.fromFairEsm(e.getKey());
            if (out.put(name, e.getValue()) != null) {
                throw new CheckpointException("two tensors map to parameter '" + name + "' (one is '" + e.getKey()
                        + "')");
            }
        }
        return out;
    }

    // --- single safetensors files

    private static LoadedCheckpoint loadSafetensorsFile(Path file) {
        Safetensors.Contents contents = Safetensors.read(file);
        Map<String, String> meta = contents.metadata();
        if (LoadedCheckpoint.FORMAT_ESM2J.equals(meta.get(CANONICAL_FORMAT_KEY))) {
            String configJson = meta.get(CANONICAL_CONFIG_KEY);
            if (configJson == null) {
                throw new CheckpointException("esm2j file lacks the '" + CANONICAL_CONFIG_KEY + "' metadata");
            }
            Esm2Weights weights = WeightsAssembler.assemble(contents.tensors(), Esm2Config.fromJson(configJson));
            String source = meta.getOrDefault(CANONICAL_SOURCE_KEY, file.getFileName().toString());
            // A model trained by esm2j has no source file: its own bytes identify it. Files written by train-mlm
            // before the key was left out carry an empty digest, read the same way.
            String sha = meta.get(CANONICAL_SOURCE_SHA_KEY);
            return new LoadedCheckpoint(weights, source,
                    sha != null && !sha.isEmpty() ? sha : SourceDigest.sha256(List.of(file)),
                    LoadedCheckpoint.FORMAT_ESM2J);
        }
        Map<String, Tensor> raw = contents.tensors();
        boolean huggingFace = KeyNames.looksLikeHuggingFace(raw.keySet());
        Path configFile = file.resolveSibling(HF_CONFIG);
        Esm2Config config = huggingFace && Files.isRegularFile(configFile) ? HuggingFaceConfig.read(configFile) : null;
        Esm2Weights weights = WeightsAssembler.assemble(
                huggingFace ? canonicalFromHuggingFace(raw) : canonicalFromFairEsm(raw), config);
        return new LoadedCheckpoint(weights, file.getFileName().toString(), SourceDigest.sha256(List.of(file)),
                huggingFace ? LoadedCheckpoint.FORMAT_HF_SAFETENSORS : LoadedCheckpoint.FORMAT_FAIR_ESM);
    }

    // --- torch files

    /** A fair-esm {@code .pt} ({@code {"model": state dict, "cfg": {"model": Namespace}}}) or a bare state dict. */
    private static LoadedCheckpoint loadTorchFile(Path file) {
        Object top = TorchCheckpointFile.read(file);
        String sha = SourceDigest.sha256(List.of(file));
        String name = file.getFileName().toString();
        if (top instanceof Map && ((Map<?, ?>) top).get("model") instanceof Map) {
            Map<?, ?> checkpoint = (Map<?, ?>) top;
            Map<String, Tensor> tensors = canonicalFromFairEsm(
                    TorchCheckpointFile.tensorsOf(checkpoint.get("model"), "checkpoint[\"model\"]"));
            tensors.putAll(contactRegression(file));
            Esm2Weights weights = WeightsAssembler.assemble(tensors, FairEsmConfig.of(checkpoint));
            return new LoadedCheckpoint(weights, name, sha, LoadedCheckpoint.FORMAT_FAIR_ESM);
        }
        Map<String, Tensor> raw = TorchCheckpointFile.tensorsOf(top, "the checkpoint's top-level object");
        if (KeyNames.looksLikeHuggingFace(raw.keySet())) {
            Path configFile = file.resolveSibling(HF_CONFIG);
            Esm2Config config = Files.isRegularFile(configFile) ? HuggingFaceConfig.read(configFile) : null;
            return new LoadedCheckpoint(WeightsAssembler.assemble(canonicalFromHuggingFace(raw), config), name, sha,
                    LoadedCheckpoint.FORMAT_HF_PYTORCH);
        }
        return new LoadedCheckpoint(WeightsAssembler.assemble(canonicalFromFairEsm(raw), null), name, sha,
                LoadedCheckpoint.FORMAT_FAIR_ESM);
    }

    /** {@code <stem>-contact-regression.pt} beside a Meta checkpoint, as fair-esm looks for it; empty if absent. */
    private static Map<String, Tensor> contactRegression(Path checkpoint) {
        String fileName = checkpoint.getFileName().toString();
        String stem = fileName.endsWith(".pt") ? fileName.substring(0, fileName.length() - 3) : fileName;
        Path regression = checkpoint.resolveSibling(stem + CONTACT_REGRESSION_SUFFIX);
        if (!Files.isRegularFile(regression)) {
            return Map.of();
        }
        try {
            Object top = TorchCheckpointFile.read(regression);
            if (!(top instanceof Map)) {
                throw new CheckpointException("top-level object is not a dict");
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : TorchCheckpointFile.tensorsOf(((Map<?, ?>) top).get("model"),
                    "regression[\"model\"]").entrySet()) {
                if (e.getKey().startsWith("contact_head.regression.")) {
                    tensors.put(e.getKey(), e.getValue());
                }
            }
            return tensors;
        } catch (CheckpointException e) {
            throw new CheckpointException(regression.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Tensor> readTorchStateDict(Path file) {
        try {
            return TorchCheckpointFile.tensorsOf(TorchCheckpointFile.read(file), "the top-level object");
        } catch (CheckpointException e) {
            throw new CheckpointException(file.getFileName() + ": " + e.getMessage(), e);
        }
    }
}
