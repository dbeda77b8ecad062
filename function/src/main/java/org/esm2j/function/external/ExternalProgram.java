package org.esm2j.function.external;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.esm2j.Esm2jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An installed command-line program (MMseqs2, DIAMOND) run with arguments in a working folder; its standard output
 * and error go to a log there, and a failure is an error naming the program, the sub-command and the exit code, with
 * the end of that log (the program's own explanation).
 */
public final class ExternalProgram {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalProgram.class);
    /** Enough of the log to show the program's error without flooding the terminal. */
    private static final int LOG_TAIL_CHARS = 2000;

    private final String name;
    private final Path executable;

    /** @param name what the program is called in messages (and its log file) */
    public ExternalProgram(String name, Path executable) {
        this.name = name;
        this.executable = executable;
    }

    /** The executable called {@code name} in a directory of {@code PATH}, if any. */
    public static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Runs the program with {@code args} (the first being its sub-command) in {@code workDir} and waits for it. */
    public void run(Path workDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(args);
        String what = args.isEmpty() ? name : name + " " + args.get(0);
        Path log = workDir.resolve(name + ".log");
        LOG.debug("running {}", command);
        try {
            Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            int exit = process.waitFor();
            if (exit != 0) {
                String output = Files.readString(log, StandardCharsets.UTF_8);
                throw new Esm2jException(what + " failed with exit code " + exit + " (" + String.join(" ", command)
                        + "): " + output.substring(Math.max(0, output.length() - LOG_TAIL_CHARS)));
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot run " + name + " (" + executable + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Esm2jException("interrupted while running " + what, e);
        }
    }
}
