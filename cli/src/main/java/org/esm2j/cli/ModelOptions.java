package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import org.esm2j.CheckpointException;
import org.esm2j.Esm2jException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --model}, {@code --offline} and {@code --threads}: which weights to run and how they are fetched. */
public final class ModelOptions {
    /** Read by the CPU backend for its thread count. */
    static final String THREADS_PROPERTY = "esm2j.threads";
    private static final Logger LOG = LoggerFactory.getLogger(ModelOptions.class);

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

    @Option(names = "--device", paramLabel = "DEVICE", converter = DeviceConverter.class,
            description = "Where the model runs: cpu, cuda or auto (default: -Desm2j.backend, else auto = CUDA when "
                    + "a device and the esm2j CUDA library are usable, else cpu; the choice is logged).")
    String device;

    /** The values of {@code --device}. */
    static final List<String> DEVICES = List.of("cpu", "cuda", "auto");

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
        return Esm2Model.load(checkpoint.weights(), backend());
    }

    /**
     * The backend named by {@code --device}. A named device that cannot run here is one line saying so: the
     * backend's full reason (library search paths and the like) goes to the debug log and the stack trace.
     */
    private Backend backend() {
        if (device == null) {
            return Backends.select();
        }
        try {
            return Backends.select(device);
        } catch (Esm2jException e) {
            if (device.equals("auto")) {
                throw e;
            }
            LOG.debug("backend '{}' unavailable: {}", device, e.getMessage());
            throw new Esm2jException("--device " + device + ": " + (device.equals("cuda")
                    ? "no usable CUDA GPU with the esm2j CUDA library here" : "backend not usable here")
                    + "; use --device cpu or auto (--verbose tells why)", e);
        }
    }

    /** {@code --device}: anything but cpu, cuda or auto is a usage error listing those. */
    static final class DeviceConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (!DEVICES.contains(v)) {
                throw new TypeConversionException("unknown device '" + value + "' (expected one of "
                        + String.join(", ", DEVICES) + ")");
            }
            return v;
        }
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

    /**
     * The files the model is read from, when it is a path: the checkpoint (a folder counts for all it holds) and,
     * for a fair-esm .pt, the contact-regression file beside it. An output must be none of them.
     */
    List<Path> inputPaths() {
        return inputPaths(model);
    }

    static List<Path> inputPaths(String model) {
        Path path = existingPath(model);
        if (path == null) {
            return List.of();
        }
        String name = String.valueOf(path.getFileName());
        if (name.endsWith(".pt")) {
            return List.of(path, path.resolveSibling(name.substring(0, name.length() - 3) + "-contact-regression.pt"));
        }
        return List.of(path);
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
