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
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.function.embed.EmbeddingSpec;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.probe.EmbeddingHead;
import org.esm2j.function.probe.EmbeddingHeads;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;

/**
 * A trained predictor on disk, one directory:
 * <ul>
 *   <li>{@code predictor.json}: format and version, the head's kind and hyperparameters, the embedding it reads (base
 *       model SHA-256, layer, pooling, length policy), the base model's source name, provenance (esm2j version, seed,
 *       creation time, input digests);</li>
 *   <li>{@code head.safetensors}: the head's tensors (weights; for kNN the reference embeddings and labels; for
 *       prototypes the class means);</li>
 *   <li>{@code labels.tsv}: the label vocabulary with names ({@link LabelVocabulary}'s format), in output order;</li>
 *   <li>{@code thresholds.tsv}: {@code term<TAB>threshold} per term, same order.</li>
 * </ul>
 * The directory is assembled in a temporary sibling and renamed into place, so it appears complete or not at all;
 * an existing directory is never overwritten.
 */
public final class PredictorDirectory {
    public static final String FORMAT = "esm2j-function-predictor";
    public static final int FORMAT_VERSION = 1;
    static final String CONFIG = "predictor.json";
    static final String HEAD = "head.safetensors";
    static final String LABELS = "labels.tsv";
    static final String THRESHOLDS = "thresholds.tsv";
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

    private static void writeConfig(Path file, TrainedPredictor p) throws IOException {
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("kind", p.head().kind());
        head.put("input_dim", p.head().inputDimension());
        head.put("terms", p.head().termCount());
        head.put("config", p.head().config());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("format_version", FORMAT_VERSION);
        root.put("head", head);
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
        if (!(version instanceof Number) || ((Number) version).intValue() != FORMAT_VERSION) {
            throw new InvalidInputException(configFile + ": format version " + version + " is not supported (this"
                    + " esm2j reads version " + FORMAT_VERSION + ")");
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
            return new TrainedPredictor(restored, spec, (String) root.get("base_model_source"), vocabulary,
                    thresholds, provenance);
        } catch (ClassCastException | NullPointerException e) {
            throw new InvalidInputException(configFile + ": a required field is missing or has the wrong type ("
                    + e.getMessage() + ")", e);
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
