package org.esm2j.function.predictor;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.InvalidInputException;
import org.esm2j.checkpoint.CanonicalWriter;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.function.embed.EmbeddingSpec;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.probe.EmbeddingHead;
import org.esm2j.function.probe.EmbeddingHeads;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.lora.PeftAdapterFiles;

/**
 * A trained predictor on disk, one directory:
 * <ul>
 *   <li>{@code predictor.json}: format and version, the head's kind and hyperparameters, the embedding it reads (base
 *       model SHA-256, layer, pooling, length policy), the base model's source name, provenance (esm2j version, seed,
 *       creation time, input digests);</li>
 *   <li>{@code head.safetensors}: the head's tensors (weights; for kNN the reference embeddings and labels; for
 *       prototypes the class means);</li>
 *   <li>{@code labels.tsv}: the label vocabulary with names ({@link LabelVocabulary}'s format), in output order;</li>
 *   <li>{@code thresholds.tsv}: {@code term<TAB>threshold} per term, same order;</li>
 *   <li>with a fully fine-tuned backbone, {@code backbone.safetensors}: its weights in esm2j's canonical format
 *       (float32);</li>
 *   <li>with LoRA, PEFT's {@code adapter_config.json} and {@code adapter_model.safetensors} (the adapters under PEFT's
 *       names for EsmForSequenceClassification, the head as {@code modules_to_save}), loadable with
 *       {@code PeftModel.from_pretrained} on this directory; no copy of the backbone.</li>
 * </ul>
 * {@code predictor.json} names the backbone's kind ({@link PredictorBackbone}); format version 1 (no backbone
 * section, frozen embeddings) is still written for frozen-embedding heads, so older readers keep reading them, and
 * version 2 for fine-tuned backbones, which older readers refuse instead of scoring with the wrong network.
 * The directory is assembled in a temporary sibling and renamed into place, so it appears complete or not at all;
 * an existing directory is never overwritten.
 */
public final class PredictorDirectory {
    public static final String FORMAT = "esm2j-function-predictor";
    /** The version written for a predictor on frozen embeddings. */
    public static final int FROZEN_FORMAT_VERSION = 1;
    /** The version written for a predictor with a fine-tuned backbone (and the newest this esm2j reads). */
    public static final int FORMAT_VERSION = 2;
    static final String CONFIG = "predictor.json";
    static final String HEAD = "head.safetensors";
    static final String LABELS = "labels.tsv";
    static final String THRESHOLDS = "thresholds.tsv";
    static final String BACKBONE = "backbone.safetensors";
    private static final String THRESHOLDS_HEADER = "term\tthreshold";

    private PredictorDirectory() {
    }

    public static void write(Path dir, TrainedPredictor predictor) {
        Path target = dir.toAbsolutePath();
        if (Files.exists(target)) {
            throw new InvalidInputException("predictor directory " + dir + " already exists; choose a new path");
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            writeConfig(tmp.resolve(CONFIG), predictor);
            Safetensors.write(tmp.resolve(HEAD), predictor.head().tensors(), Map.of("format", FORMAT));
            predictor.vocabulary().write(tmp.resolve(LABELS));
            writeThresholds(tmp.resolve(THRESHOLDS), predictor);
            writeBackbone(tmp, predictor);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write predictor directory " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void writeBackbone(Path dir, TrainedPredictor p) throws IOException {
        if (p.backbone() instanceof PredictorBackbone.FullyFineTuned full) {
            CanonicalWriter.write(new LoadedCheckpoint(full.tuned(), "fine-tuned from " + p.baseModelSource(),
                    p.embedding().modelDigest(), LoadedCheckpoint.FORMAT_ESM2J), dir.resolve(BACKBONE), DType.F32);
        } else if (p.backbone() instanceof PredictorBackbone.Lora lora) {
            PeftAdapterFiles.write(lora.adapter(), dir);
        }
    }

    private static void writeConfig(Path file, TrainedPredictor p) throws IOException {
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("kind", p.head().kind());
        head.put("input_dim", p.head().inputDimension());
        head.put("terms", p.head().termCount());
        head.put("config", p.head().config());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        boolean frozen = p.backbone() instanceof PredictorBackbone.Frozen;
        root.put("format_version", frozen ? FROZEN_FORMAT_VERSION : FORMAT_VERSION);
        root.put("head", head);
        if (!frozen) {
            Map<String, Object> backbone = new LinkedHashMap<>();
            backbone.put("kind", p.backbone().kind());
            backbone.put("files", p.backbone() instanceof PredictorBackbone.Lora
                    ? List.of(PeftAdapterFiles.CONFIG, PeftAdapterFiles.WEIGHTS) : List.of(BACKBONE));
            root.put("backbone", backbone);
        }
        root.put("embedding", p.embedding().toMap());
        root.put("base_model_source", p.baseModelSource());
        root.put("provenance", p.provenance().toMap());
        byte[] json = (Json.write(root) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(json));
    }

    private static void writeThresholds(Path file, TrainedPredictor p) throws IOException {
        float[] thresholds = p.thresholds();
        AtomicFiles.write(file, out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            w.write(THRESHOLDS_HEADER + "\n");
            for (int t = 0; t < thresholds.length; t++) {
                w.write(p.vocabulary().label(t) + "\t" + thresholds[t] + "\n");
            }
            w.flush();
        });
    }

    /** Reads a directory written by {@link #write}; every problem names the file. */
    @SuppressWarnings("unchecked")
    public static TrainedPredictor read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException("predictor directory " + dir + " does not exist");
        }
        Path configFile = dir.resolve(CONFIG);
        Map<String, Object> root;
        try {
            root = Json.parseObject(Files.readString(configFile, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(dir + " is not a predictor directory: it has no " + CONFIG, e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + configFile + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(configFile + ": malformed JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(root.get("format"))) {
            throw new InvalidInputException(configFile + ": format is '" + root.get("format") + "', expected '"
                    + FORMAT + "'");
        }
        Object version = root.get("format_version");
        if (!(version instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < FROZEN_FORMAT_VERSION
                || n.intValue() > FORMAT_VERSION) {
            throw new InvalidInputException(configFile + ": format version " + version + " is not supported (this"
                    + " esm2j reads versions " + FROZEN_FORMAT_VERSION + " to " + FORMAT_VERSION + ")");
        }
        try {
            Map<String, Object> head = (Map<String, Object>) root.get("head");
            Map<String, Tensor> tensors = Safetensors.read(dir.resolve(HEAD)).tensors();
            EmbeddingHead restored = EmbeddingHeads.restore((String) head.get("kind"),
                    (Map<String, Object>) head.get("config"), tensors, dir.resolve(HEAD).toString());
            EmbeddingSpec spec = EmbeddingSpec.fromMap((Map<String, Object>) root.get("embedding"),
                    configFile.toString());
            LabelVocabulary vocabulary = LabelVocabulary.read(dir.resolve(LABELS));
            float[] thresholds = readThresholds(dir.resolve(THRESHOLDS), vocabulary);
            Provenance provenance = Provenance.fromMap((Map<String, Object>) root.get("provenance"));
            Map<String, Object> backboneSection = (Map<String, Object>) root.get("backbone");
            if (backboneSection == null && n.intValue() > FROZEN_FORMAT_VERSION) {
                throw new InvalidInputException(configFile + ": format version " + version + " needs a backbone "
                        + "section");
            }
            PredictorBackbone backbone = readBackbone(dir, backboneSection, tensors);
            return new TrainedPredictor(restored, spec, backbone, (String) root.get("base_model_source"), vocabulary,
                    thresholds, provenance);
        } catch (ClassCastException | NullPointerException e) {
            throw new InvalidInputException(configFile + ": a required field is missing or has the wrong type ("
                    + e.getMessage() + ")", e);
        }
    }

    /** The backbone named by {@code section} ({@code null}: frozen), read from its files in {@code dir}. */
    private static PredictorBackbone readBackbone(Path dir, Map<String, Object> section, Map<String, Tensor> head) {
        String kind = section == null ? PredictorBackbone.Frozen.KIND : (String) section.get("kind");
        switch (kind) {
            case PredictorBackbone.Frozen.KIND:
                return new PredictorBackbone.Frozen();
            case PredictorBackbone.FullyFineTuned.KIND: {
                Path file = dir.resolve(BACKBONE);
                if (!Files.isRegularFile(file)) {
                    throw new InvalidInputException("predictor directory " + dir + " has a fine-tuned backbone but "
                            + "lacks " + BACKBONE);
                }
                try {
                    return new PredictorBackbone.FullyFineTuned(CheckpointLoader.load(file).weights());
                } catch (CheckpointException e) {
                    throw new InvalidInputException("predictor directory " + dir + ": " + e.getMessage(), e);
                }
            }
            case PredictorBackbone.Lora.KIND: {
                PredictorBackbone.Lora lora;
                try {
                    lora = new PredictorBackbone.Lora(PeftAdapterFiles.read(dir));
                } catch (CheckpointException e) {
                    throw new InvalidInputException("predictor directory " + dir + ": " + e.getMessage(), e);
                }
                lora.requireHead(head, dir.toString());
                return lora;
            }
            default:
                throw new InvalidInputException(dir.resolve(CONFIG) + ": unknown backbone kind '" + kind
                        + "' (expected " + PredictorBackbone.Frozen.KIND + ", " + PredictorBackbone.FullyFineTuned.KIND
                        + " or " + PredictorBackbone.Lora.KIND + ")");
        }
    }

    private static float[] readThresholds(Path file, LabelVocabulary vocabulary) {
        float[] thresholds = new float[vocabulary.size()];
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (!THRESHOLDS_HEADER.equals(header)) {
                throw new InvalidInputException(file + ":1: expected the header 'term<TAB>threshold', got '" + header
                        + "'");
            }
            for (int t = 0; t < thresholds.length; t++) {
                String line = r.readLine();
                String[] cells = line == null ? new String[0] : line.split("\t", -1);
                if (cells.length != 2 || !cells[0].equals(vocabulary.label(t))) {
                    throw new InvalidInputException(file + ":" + (t + 2) + ": expected '" + vocabulary.label(t)
                            + "<TAB>threshold' (the order of labels.tsv), got '" + line + "'");
                }
                try {
                    thresholds[t] = Float.parseFloat(cells[1]);
                } catch (NumberFormatException e) {
                    throw new InvalidInputException(file + ":" + (t + 2) + ": threshold '" + cells[1]
                            + "' is not a number", e);
                }
            }
            if (r.readLine() != null) {
                throw new InvalidInputException(file + ": more rows than the " + thresholds.length + " labels");
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("predictor directory lacks " + file, e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return thresholds;
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Only the leftovers of a failed write; the error that matters is already on its way.
        }
    }
}
