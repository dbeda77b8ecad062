package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.esm2j.CheckpointException;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Backends;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.hub.DownloadListener;
import org.esm2j.hub.ModelHub;
import org.esm2j.hub.ReleasedModel;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --model}, {@code --offline} and {@code --threads}: which weights to run and how they are fetched. */
public final class ModelOptions {
    /** Read by the CPU backend for its thread count. */
    static final String THREADS_PROPERTY = "esm2j.threads";

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "A released model name (e.g. esm2_t6_8M_UR50D, downloaded once into $ESM2J_HOME, default "
                    + "~/.cache/esm2j), a fair-esm .pt file (its -contact-regression.pt beside it is used), a "
                    + "Hugging Face folder, or an esm2j .safetensors file.")
    String model;

    @Option(names = "--offline",
            description = "Never download: a released model must already be in the cache.")
    boolean offline;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads for the forward pass (default: all available processors).")
    Integer threads;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "Where the model runs: cpu, cuda or auto (default: -Desm2j.backend, else auto = CUDA when "
                    + "a device and the esm2j CUDA library are usable, else cpu; the choice is logged).")
    String device;

    /** Resolves and reads the weights: an existing path wins over a released name of the same spelling. */
    LoadedCheckpoint loadCheckpoint(DownloadListener downloads) {
        return loadCheckpoint(model, offline, downloads);
    }

    static LoadedCheckpoint loadCheckpoint(String model, boolean offline, DownloadListener downloads) {
        Path path = existingPath(model);
        if (path != null) {
            return CheckpointLoader.load(path);
        }
        if (ReleasedModel.find(model).isPresent()) {
            return CheckpointLoader.load(ModelHub.fromEnvironment(offline, downloads).resolve(model));
        }
        throw new CheckpointException("model '" + model + "' is neither an existing file or folder nor a released "
                + "model name (" + ReleasedModel.validNames() + ")");
    }

    /** Loads the weights into the backend named by {@code --device}, else {@code -Desm2j.backend} (default auto). */
    Esm2Model loadModel(CommandSpec spec, LoadedCheckpoint checkpoint) {
        applyThreads(spec);
        Backend backend = device == null ? Backends.select() : Backends.select(device);
        return Esm2Model.load(checkpoint.weights(), backend);
    }

    void applyThreads(CommandSpec spec) {
        if (threads == null) {
            return;
        }
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        }
        System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
    }

    /** A short name for metadata: the released name as given, else the file or folder name. */
    String displayName() {
        Path path = existingPath(model);
        return path == null ? model : String.valueOf(path.toAbsolutePath().normalize().getFileName());
    }

    private static Path existingPath(String spec) {
        try {
            Path p = Paths.get(spec);
            return Files.exists(p) ? p : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** Download progress on stderr when progress is shown at all, else silence. */
    static DownloadListener downloadListener(PrintWriter err, boolean show) {
        return show ? new DownloadProgress(err) : DownloadListener.NONE;
    }
}
