package org.esm2j.function.baseline;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.esm2j.Esm2jException;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.IdentitySearch;

/**
 * Running an external search program (DIAMOND): finding the executable, writing sequences as FASTA under index-based
 * names (so any record id survives the round trip), running it, and reading the best hit per query back.
 */
final class ExternalTools {
    static final String QUERY_PREFIX = "q";
    static final String TARGET_PREFIX = "t";

    private ExternalTools() {
    }

    /** The executable called {@code name} in a directory of {@code PATH}, if any. */
    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static void writeFasta(Path file, String prefix, List<FastaRecord> records) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < records.size(); i++) {
                w.write(">" + prefix + i + "\n" + records.get(i).sequence() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs the command in {@code workDir}; a non-zero exit is an error carrying the tool's last output lines. */
    static void run(List<String> command, Path workDir) {
        Path log = workDir.resolve("tool.log");
        try {
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            int exit = p.waitFor();
            if (exit != 0) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
                throw new Esm2jException(command.get(0) + " exited with status " + exit + " running "
                        + String.join(" ", command) + "\n" + tail);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Esm2jException("interrupted while waiting for " + command.get(0), e);
        }
    }

    /**
     * The best hit (highest identity) per query from a tab-separated file whose first three columns are query name,
     * target name and identity; {@code identityScale} turns the tool's identity into a fraction (100 for percent).
     */
    static Map<String, IdentitySearch.Hit> readBestHits(Path file, double identityScale, List<FastaRecord> queries,
            List<FastaRecord> targets) {
        Map<String, IdentitySearch.Hit> best = new LinkedHashMap<>();
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            for (String line : (Iterable<String>) lines::iterator) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                try {
                    IdentitySearch.Hit hit = new IdentitySearch.Hit(targets.get(index(f[1], TARGET_PREFIX)).id(),
                            Double.parseDouble(f[2]) / identityScale);
                    best.merge(queries.get(index(f[0], QUERY_PREFIX)).id(), hit,
                            (a, b) -> b.identity() > a.identity() ? b : a);
                } catch (RuntimeException e) {
                    throw new Esm2jException(file + " line " + lineNumber + ": unexpected search output '" + line
                            + "'", e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return best;
    }

    private static int index(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            throw new IllegalArgumentException("name '" + name + "' lacks prefix " + prefix);
        }
        return Integer.parseInt(name.substring(prefix.length()));
    }

    static Path createWorkDir(String tool) {
        try {
            return Files.createTempDirectory("esm2j-" + tool + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for " + tool + ": " + e.getMessage(), e);
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary folder is not worth failing a finished search for.
        }
    }
}
