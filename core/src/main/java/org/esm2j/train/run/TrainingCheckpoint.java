package org.esm2j.train.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.esm2j.CheckpointException;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.optim.Optimizer;

/**
 * Training checkpoints: one directory per checkpoint, {@code step-NNNNNNNN} under a checkpoints folder, holding
 * {@code model.safetensors} (every layout tensor under its layout name, F32; the config in the metadata),
 * {@code optimizer.safetensors} ({@link Optimizer#exportState}) and {@code state.json} (step, data position, random
 * state, forward passes, early stopping). The directory is written under a hidden temporary name and renamed into
 * place, so a process killed while writing leaves either the complete checkpoint or none; leftovers of such a write
 * are removed by the next one.
 */
public final class TrainingCheckpoint {
    static final String MODEL_FILE = "model.safetensors";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    static final String STATE_FILE = "state.json";
    private static final String PREFIX = "step-";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final String CONFIG_KEY = "esm2j.config";
    private static final int FORMAT = 1;

    private TrainingCheckpoint() {
    }

    /** The directory name of step {@code step}'s checkpoint. */
    public static String directoryName(long step) {
        return String.format(Locale.ROOT, PREFIX + "%08d", step);
    }

    /**
     * Writes a checkpoint of {@code model}, {@code optimizer} and {@code state} into
     * {@code checkpoints/step-NNNNNNNN}, atomically, then removes all but the newest {@code keep} checkpoints.
     *
     * @return the checkpoint's directory
     */
    public static Path write(Path checkpoints, TrainableModel model, Optimizer optimizer, CheckpointState state,
            int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoints to keep must be >= 1: " + keep);
        }
        try {
            Files.createDirectories(checkpoints);
            removeTemporaries(checkpoints);
            Path target = checkpoints.resolve(directoryName(state.step()));
            Path temp = checkpoints.resolve(TEMP_PREFIX + directoryName(state.step()));
            Files.createDirectory(temp);
            Safetensors.write(temp.resolve(MODEL_FILE), parameters(model),
                    Map.of(CONFIG_KEY, model.config().toJson()));
            Safetensors.write(temp.resolve(OPTIMIZER_FILE), optimizer.exportState(), Map.of());
            Files.writeString(temp.resolve(STATE_FILE), stateJson(state), StandardCharsets.UTF_8);
            if (Files.exists(target)) {
                deleteTree(target);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target);
            }
            List<Path> all = list(checkpoints);
            for (int i = 0; i + keep < all.size(); i++) {
                deleteTree(all.get(i));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a training checkpoint in " + checkpoints, e);
        }
    }

    /** The newest complete checkpoint under {@code checkpoints}, if any. */
    public static Optional<Path> latest(Path checkpoints) {
        if (!Files.isDirectory(checkpoints)) {
            return Optional.empty();
        }
        try {
            List<Path> all = list(checkpoints);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list training checkpoints in " + checkpoints, e);
        }
    }

    /**
     * Restores {@code model}'s parameters and {@code optimizer}'s state from a checkpoint directory and returns its
     * scalar state. The model must have the layout the checkpoint was written with (same names and shapes).
     */
    public static CheckpointState restore(Path directory, TrainableModel model, Optimizer optimizer) {
        Safetensors.Contents params = Safetensors.read(directory.resolve(MODEL_FILE));
        for (ParameterEntry e : model.layout().entries()) {
            Tensor t = params.tensors().get(e.name());
            if (t == null) {
                throw new CheckpointException("checkpoint " + directory + " has no tensor '" + e.name()
                        + "' (was it written for another model, head or LoRA setting?)");
            }
            if (!t.hasShape(e.shape())) {
                throw new CheckpointException("checkpoint " + directory + ": '" + e.name() + "' has shape "
                        + java.util.Arrays.toString(t.shape()) + ", the model expects "
                        + java.util.Arrays.toString(e.shape()));
            }
        }
        if (params.tensors().size() != model.layout().entries().size()) {
            throw new CheckpointException("checkpoint " + directory + " has " + params.tensors().size()
                    + " tensors, the model " + model.layout().entries().size());
        }
        for (ParameterEntry e : model.layout().entries()) {
            model.setValues(e.name(), params.tensors().get(e.name()).toFloatArray());
        }
        optimizer.importState(Safetensors.read(directory.resolve(OPTIMIZER_FILE)).tensors());
        try {
            return parseState(Files.readString(directory.resolve(STATE_FILE), StandardCharsets.UTF_8), directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory.resolve(STATE_FILE), e);
        }
    }

    private static Map<String, Tensor> parameters(TrainableModel model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ParameterEntry e : model.layout().entries()) {
            out.put(e.name(), Tensor.ofFloats(model.values(e.name()), e.shape()));
        }
        return out;
    }

    private static String stateJson(CheckpointState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("step", s.step());
        m.put("epoch", s.position().epoch());
        m.put("batch", s.position().batch());
        // 64-bit values as strings: JSON readers elsewhere parse numbers as doubles
        m.put("shuffle_seed", Long.toString(s.position().shuffleSeed()));
        m.put("random_state", Long.toString(s.randomState()));
        m.put("forward_passes", s.forwardPasses());
        Map<String, Object> stopping = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : new java.util.TreeMap<>(s.earlyStopping()).entrySet()) {
            stopping.put(e.getKey(), Double.toString(e.getValue())); // may be Infinity before the first validation
        }
        m.put("early_stopping", stopping);
        return Json.write(m) + "\n";
    }

    private static CheckpointState parseState(String json, Path directory) {
        try {
            Map<String, Object> m = Json.parseObject(json);
            if (((Number) m.get("format")).intValue() != FORMAT) {
                throw new CheckpointException("checkpoint " + directory + " has state format " + m.get("format")
                        + "; this version reads " + FORMAT);
            }
            DataPosition position = new DataPosition(((Number) m.get("epoch")).longValue(),
                    ((Number) m.get("batch")).intValue(), Long.parseLong((String) m.get("shuffle_seed")));
            Map<String, Double> stopping = new LinkedHashMap<>();
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = (Map<String, Object>) m.get("early_stopping");
            for (Map.Entry<String, Object> e : raw.entrySet()) {
                stopping.put(e.getKey(), Double.parseDouble((String) e.getValue()));
            }
            return new CheckpointState(((Number) m.get("step")).longValue(), position,
                    Long.parseLong((String) m.get("random_state")), ((Number) m.get("forward_passes")).longValue(),
                    stopping);
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new CheckpointException("malformed " + STATE_FILE + " in checkpoint " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    /** Complete checkpoint directories, oldest first. */
    private static List<Path> list(Path checkpoints) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpoints, PREFIX + "*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    private static void removeTemporaries(Path checkpoints) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpoints, TEMP_PREFIX + "*")) {
            for (Path p : ds) {
                deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
