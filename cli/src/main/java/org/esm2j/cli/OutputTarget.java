package org.esm2j.cli;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Where {@code --out} points, checked before any compute so that a long run cannot end by destroying something:
 * {@code -} is standard output; otherwise the path must be a regular file or not exist yet (no directory, device,
 * FIFO or link to one), must not be one of the run's inputs (compared as files, so links and other spellings of the
 * same file count), and must lie in a writable directory with room for the estimated output where the OS tells.
 */
final class OutputTarget {
    static final String STANDARD_OUTPUT = "-";

    private final Path path; // null for standard output

    private OutputTarget(Path path) {
        this.path = path;
    }

    static OutputTarget of(Path out) {
        return out.toString().equals(STANDARD_OUTPUT) ? new OutputTarget(null) : new OutputTarget(out);
    }

    boolean isStandardOutput() {
        return path == null;
    }

    /** The file to write; for a link to a regular file, the file it points at (the link stays a link). */
    Path path() {
        if (path == null) {
            throw new IllegalStateException("standard output has no path");
        }
        return path;
    }

    /** Where scratch files go: beside the output (same file system, so its free space was checked), else tmp. */
    Path scratchDir() {
        return path == null ? Path.of(System.getProperty("java.io.tmpdir"))
                : path.toAbsolutePath().getParent();
    }

    @Override
    public String toString() {
        return path == null ? "standard output" : path.toString();
    }

    /**
     * Refuses, as a usage error naming {@code option}, a target that would clobber something or cannot be written.
     *
     * @param format the chosen format: binary formats are refused on a terminal
     * @param inputs the files the run reads (FASTA, mutation lists, checkpoints); a folder counts for what is in it
     * @return the target to write: a link to a regular file is replaced by the file it points at
     */
    OutputTarget check(CommandSpec spec, String option, OutputFormat format, List<Path> inputs) {
        if (path == null) {
            if (format.writesCompanionFiles()) {
                throw usage(spec, "the " + format.cliName() + " table comes with an ids file beside it: give "
                        + option + " a file name");
            }
            if (!format.isText() && Terminal.standardOutputIsTerminal()) {
                throw usage(spec, option + " - would write binary " + format.cliName() + " to the terminal; "
                        + "redirect it (> file) or pipe it, or give a file name");
            }
            return this;
        }
        List<Path> targets = new ArrayList<>();
        targets.add(path);
        targets.addAll(format.companions(path));
        Path resolved = path;
        for (Path t : targets) {
            Path real = checkFileOrNew(spec, option, t);
            if (t == path) {
                resolved = real;
            }
            checkNotAnInput(spec, option, t, inputs);
        }
        checkRoom(spec, option, resolved, 0);
        return new OutputTarget(resolved);
    }

    /** The path to write: {@code t} itself when new, its real path when a regular file or a link to one. */
    private static Path checkFileOrNew(CommandSpec spec, String option, Path t) {
        boolean link = Files.isSymbolicLink(t);
        if (!Files.exists(t)) {
            if (link) {
                throw usage(spec, option + " " + t + " is a link to nothing (" + linkTarget(t) + "); give a "
                        + "regular file or a new path");
            }
            return t;
        }
        if (!Files.isRegularFile(t)) {
            throw usage(spec, option + " " + t + (link ? " links to " + kind(t) : " is " + kind(t))
                    + ", not a regular file; give a regular file or a new path");
        }
        try {
            return link ? t.toRealPath() : t;
        } catch (IOException e) {
            throw usage(spec, option + " " + t + ": cannot resolve the link: " + e.getMessage());
        }
    }

    private static void checkNotAnInput(CommandSpec spec, String option, Path t, List<Path> inputs) {
        if (!Files.exists(t)) {
            return;
        }
        for (Path input : inputs) {
            if (input == null || !Files.exists(input)) {
                continue;
            }
            try {
                boolean same = Files.isSameFile(t, input);
                boolean inside = Files.isDirectory(input) && t.toRealPath().startsWith(input.toRealPath());
                if (same || inside) {
                    throw usage(spec, option + " " + t + " is " + (same ? "" : "inside ") + "an input of this run ("
                            + input + "); writing it would destroy the input: choose another path");
                }
            } catch (IOException e) {
                throw usage(spec, option + " " + t + ": cannot compare with input " + input + ": " + e.getMessage());
            }
        }
    }

    /**
     * The nearest existing directory must be writable and, where the OS says, have room for {@code estimatedBytes}
     * (output plus scratch files; 0 checks writability only). Nothing to check for standard output.
     */
    void checkRoom(CommandSpec spec, String option, long estimatedBytes) {
        if (path != null) {
            checkRoom(spec, option, path, estimatedBytes);
        }
    }

    private static void checkRoom(CommandSpec spec, String option, Path target, long estimatedBytes) {
        Path dir = target.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw usage(spec, option + " " + target + ": " + dir + " is not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw usage(spec, option + " " + target + ": directory " + dir + " is not writable");
        }
        if (estimatedBytes <= 0) {
            return;
        }
        try {
            FileStore store = Files.getFileStore(dir);
            long usable = store.getUsableSpace();
            if (usable > 0 && usable < estimatedBytes) {
                throw usage(spec, option + " " + target + ": the run needs about " + bytes(estimatedBytes)
                        + " of disk there (output and scratch files) but " + dir + " has " + bytes(usable) + " free");
            }
        } catch (IOException e) {
            // The OS does not tell (some network file systems): the write itself will report a full disk.
        }
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String kind(Path p) {
        if (Files.isDirectory(p)) {
            return "a directory";
        }
        try {
            Object type = Files.readAttributes(p, "unix:mode").get("mode");
            int mode = type instanceof Integer m ? m : 0;
            switch (mode & 0170000) {
                case 0010000: return "a FIFO";
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0140000: return "a socket";
                default: return "not a regular file";
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "not a regular file";
        }
    }

    private static String linkTarget(Path link) {
        try {
            return "it points to " + Files.readSymbolicLink(link);
        } catch (IOException e) {
            return "unreadable link";
        }
    }

    private static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
