package org.esm2j.function.similarity;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.esm2j.Esm2jException;
import org.esm2j.data.FastaRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the {@code mmseqs} program (MMseqs2; Debian package mmseqs2) in a scratch folder. */
public final class Mmseqs {
    private static final Logger LOG = LoggerFactory.getLogger(Mmseqs.class);
    private static final int LOG_TAIL_CHARS = 2000;

    private final Path binary;
    private final int threads;

    public Mmseqs(Path binary, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.binary = binary;
        this.threads = threads;
    }

    /** {@code mmseqs} on the PATH, if any. */
    public static Optional<Path> findOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "mmseqs");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    int threads() {
        return threads;
    }

    /** Runs {@code mmseqs args...} in {@code workDir}; a failure carries the end of mmseqs's output. */
    void run(Path workDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(args);
        Path log = workDir.resolve("mmseqs.log");
        LOG.debug("running {}", command);
        try {
            Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            int exit = process.waitFor();
            if (exit != 0) {
                String output = Files.readString(log, StandardCharsets.UTF_8);
                throw new Esm2jException("mmseqs " + args.get(0) + " failed with exit code " + exit + ": "
                        + output.substring(Math.max(0, output.length() - LOG_TAIL_CHARS)));
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Esm2jException("interrupted while running mmseqs " + args.get(0), e);
        }
    }

    /** A scratch folder for one run; delete it with {@link #deleteScratch}. */
    static Path createScratch() {
        try {
            return Files.createTempDirectory("esm2j-mmseqs-");
        } catch (IOException e) {
            throw new Esm2jException("cannot create a scratch folder for mmseqs: " + e.getMessage(), e);
        }
    }

    static void deleteScratch(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete mmseqs scratch folder {}: {}", dir, e.getMessage());
        }
    }

    /**
     * Writes records named by their index ({@code >0}, {@code >1}...), because mmseqs shortens UniProt-style
     * headers ({@code sp|P12345|NAME} becomes {@code P12345}) and ids must come back exactly; see {@link #recordOf}.
     */
    static void writeFasta(Path file, List<FastaRecord> records) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < records.size(); i++) {
                w.write('>');
                w.write(Integer.toString(i));
                w.write('\n');
                w.write(records.get(i).sequence());
                w.write('\n');
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot write " + file + " for mmseqs: " + e.getMessage(), e);
        }
    }

    /** The record that {@link #writeFasta} named {@code name}. */
    static FastaRecord recordOf(List<FastaRecord> records, String name) {
        try {
            return records.get(Integer.parseInt(name));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new Esm2jException("mmseqs reported an unknown sequence '" + name + "'", e);
        }
    }
}
