package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Outputs never clobber or litter: an interrupted run (a real process sent SIGINT or SIGTERM) leaves no temporary or
 * scratch file and exits non-zero; {@code --out} refuses, before any compute, targets that are not regular files or
 * new paths, targets that are inputs, and names that contradict the format.
 */
class OutputSafetyTest {
    private static final String ALPHABET = "ACDEFGHIKLMNPQRSTVWY";

    @TempDir
    Path dir;

    /** {@code count} random sequences of {@code length} residues, seeded: enough work to interrupt mid-run. */
    static Map<String, String> randomRecords(int count, int length, long seed) {
        Random random = new Random(seed);
        Map<String, String> records = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int n = length / 2 + random.nextInt(length / 2 + 1); // various lengths: batches reorder records
            for (int j = 0; j < n; j++) {
                sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            records.put("r" + i, sb.toString());
        }
        return records;
    }

    private static List<Path> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

    /** Waits until a hidden (temporary or scratch) file in {@code folder} holds data, i.e. the run is under way. */
    private static boolean waitForScratchData(Path folder, Process child, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline && child.isAlive()) {
            for (Path p : listing(folder)) {
                if (p.getFileName().toString().startsWith(".") && Files.exists(p) && sizeOrZero(p) > 0) {
                    return true;
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0; // renamed or deleted meanwhile
        }
    }

    /** safetensors stages its data in a scratch file; npz spills records that finish early to another. */
    @ParameterizedTest
    @CsvSource({"INT, safetensors", "TERM, npz"})
    void aSignalMidRunRemovesEveryTemporaryFileAndExitsNonZero(String signal, String format) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path fasta = Cli.fasta(work, "in.fasta", randomRecords(1500, 300, 7));
        Path err = dir.resolve("stderr.txt");
        Process child = ChildCli.builder("embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f", fasta,
                "-o", work.resolve("out." + format), "--layers", "all", "--toks-per-batch", "1024")
                .redirectErrorStream(true).redirectOutput(err.toFile()).start();
        try {
            assertTrue(waitForScratchData(work, child, 60_000), "the run never wrote scratch data: "
                    + Files.readString(err, StandardCharsets.UTF_8));
            ChildCli.signal(child, signal);
            boolean ended = child.waitFor(30, TimeUnit.SECONDS);
            if (!ended && signal.equals("INT")) {
                child.destroyForcibly().waitFor();
            }
            // A JVM whose parent ignores SIGINT (shells do that to background jobs) inherits the ignore and cannot see
            // it: skip the INT case there; the TERM case of this test still covers the clean-up path.
            assumeTrue(ended || !signal.equals("INT"), "SIGINT is ignored in this environment");
            assertTrue(ended, "the run did not stop on SIG" + signal);
            assertNotEquals(0, child.exitValue(), "an interrupted run exits non-zero");
            assertEquals(List.of(fasta), listing(work), "no temporary, scratch or output file left after SIG"
                    + signal);
        } finally {
            child.destroyForcibly();
        }
    }

    private Cli.Result embed(Path fasta, Object out, Object... extra) {
        Object[] base = {"embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f", fasta, "-o", out};
        return Cli.run(Stream.concat(Stream.of(base), Stream.of(extra)).toArray());
    }

    private static void assertUsageError(Cli.Result r, String... fragments) {
        assertEquals(2, r.exitCode(), r.toString());
        String first = r.err().lines().findFirst().orElse("");
        for (String f : fragments) {
            assertTrue(first.contains(f), "expected '" + f + "' in: " + first);
        }
    }

    @Test
    void outputThatIsNotARegularFileOrNewPathIsRefused() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", Map.of("s", "MKTAYIAK"));
        Path folder = Files.createDirectories(dir.resolve("folder.safetensors"));
        assertUsageError(embed(fasta, folder), "a directory", "regular file or a new path");
        Path linkToFolder = Files.createSymbolicLink(dir.resolve("link.safetensors"), folder);
        assertUsageError(embed(fasta, linkToFolder), "links to a directory");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.safetensors"), dir.resolve("nowhere"));
        assertUsageError(embed(fasta, dangling), "a link to nothing");
        assertUsageError(embed(fasta, "/dev/null", "--format", "npz"), "/dev/null", "character device");
        Path linkToDevice = Files.createSymbolicLink(dir.resolve("null.npz"), Path.of("/dev/null"));
        assertUsageError(embed(fasta, linkToDevice), "links to a character device");
        Path fifo = dir.resolve("pipe.npz");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo unavailable");
        assertUsageError(embed(fasta, fifo), "a FIFO");
        assertTrue(Files.isSymbolicLink(linkToDevice) && Files.isDirectory(folder), "targets left as they were");
    }

    @Test
    void aLinkToARegularFileIsWrittenThroughAndStaysALink() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", Map.of("s", "MKTAYIAK"));
        Path real = Files.writeString(dir.resolve("real.npz"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.npz"), real);
        assertEquals(0, embed(fasta, link).exitCode());
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.size(real) > 3, "the file the link points at holds the output");
    }

    @Test
    void anInputIsNeverTheOutput() throws Exception {
        Path fasta = Cli.fasta(dir, "copy.fasta", Map.of("s", "MKTAYIAK"));
        byte[] before = Files.readAllBytes(fasta);
        assertUsageError(embed(fasta, fasta, "--format", "npz"), "input of this run", "copy.fasta");
        Path hardLink = Files.createLink(dir.resolve("same.npz"), fasta);
        assertUsageError(embed(fasta, hardLink), "input of this run");
        Path symlink = Files.createSymbolicLink(dir.resolve("alias.npz"), fasta);
        assertUsageError(embed(fasta, symlink), "input of this run");
        assertUsageError(embed(fasta, dir.resolve("./copy.fasta"), "--format", "npz"), "input of this run");
        assertArrayEquals(before, Files.readAllBytes(fasta), "the input is untouched");

        Path checkpoint = Files.copy(Fixtures.metaCheckpoint(Fixtures.TINY), dir.resolve("in.pt"));
        byte[] weights = Files.readAllBytes(checkpoint);
        Cli.Result convert = Cli.run("convert", checkpoint, checkpoint);
        assertUsageError(convert, "input of this run");
        Path model = Files.copy(checkpoint, dir.resolve("model.safetensors"));
        assertUsageError(Cli.run("convert", checkpoint, model.resolveSibling("in.pt")), "input of this run");
        assertArrayEquals(weights, Files.readAllBytes(checkpoint), "the checkpoint is untouched");
        Cli.Result score = Cli.run("score", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "--fasta", fasta,
                "--mutations", "K2A", "--out", fasta);
        assertUsageError(score, "input of this run");
    }

    @Test
    void theExtensionDecidesTheFormatAndMayNotContradictIt() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", Map.of("s", "MKTAYIAK"));
        assertUsageError(embed(fasta, dir.resolve("o.npy"), "--format", "safetensors"), "npy", "safetensors");
        assertUsageError(embed(fasta, dir.resolve("o.bin")), "cannot tell the format", ".safetensors");
        assertUsageError(embed(fasta, dir.resolve("o.tsv")), "writes safetensors, npz, npy, arrow, not tsv");
        assertUsageError(Cli.run("convert", Fixtures.metaCheckpoint(Fixtures.TINY), dir.resolve("w.npz")),
                "convert writes safetensors");
        assertUsageError(Cli.run("score", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "--sequence", "MKV",
                "--mutations", "K2A", "--out", dir.resolve("s.npz")), "score writes TSV");
        assertEquals(0, embed(fasta, dir.resolve("o.bin"), "--format", "npz").exitCode());
        assertEquals("PK", new String(Files.readAllBytes(dir.resolve("o.bin")), 0, 2, StandardCharsets.ISO_8859_1),
                "--format npz wrote a zip");
    }

    @Test
    void anUnwritableDirectoryIsRefusedBeforeCompute() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", Map.of("s", "MKTAYIAK"));
        Path locked = Files.createDirectories(dir.resolve("locked"));
        assumeTrue(locked.toFile().setWritable(false, false) && !Files.isWritable(locked),
                "running as root: every directory is writable");
        try {
            assertUsageError(embed(fasta, locked.resolve("o.npz")), "not writable");
        } finally {
            locked.toFile().setWritable(true);
        }
    }

    @Test
    void aDirectoryWithoutRoomForTheEstimateIsRefused() {
        CommandSpec spec = Esm2jCommand.newCommandLine().getSubcommands().get("embed").getCommandSpec();
        OutputTarget target = OutputTarget.of(dir.resolve("o.npz"));
        ParameterException e = assertThrows(ParameterException.class,
                () -> target.checkRoom(spec, "--out", Long.MAX_VALUE / 4));
        assertTrue(e.getMessage().contains("free"), e.getMessage());
        target.checkRoom(spec, "--out", 1024);
    }
}
