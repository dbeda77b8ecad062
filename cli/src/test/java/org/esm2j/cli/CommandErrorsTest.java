package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.esm2j.Esm2jVersion;
import org.esm2j.backend.Backends;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and the one-line error messages, and that a failed run leaves no output behind. */
class CommandErrorsTest {
    @TempDir
    Path dir;

    private Path out() {
        return dir.resolve("out.safetensors");
    }

    private Cli.Result embed(Map<String, String> records, Object... extra) throws IOException {
        Path fasta = Cli.fasta(dir, "in.fasta", records);
        Object[] base = {"embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f", fasta, "-o", out()};
        return Cli.run(Stream.concat(Stream.of(base), Stream.of(extra)).toArray());
    }

    /** One {@code esm2j: error:} line (a usage error adds a "Try --help" hint), no stack trace. */
    private static void assertOneLineError(Cli.Result r, int exitCode, String... fragments) {
        assertEquals(exitCode, r.exitCode(), r.toString());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.get(0).startsWith("esm2j: error: "), r.toString());
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "expected '" + f + "' in: " + lines.get(0));
        }
        assertTrue(lines.size() == 1 || lines.size() == 2 && lines.get(1).startsWith("Try "), r.toString());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r);
    }

    private void assertNoOutputLeft() throws IOException {
        assertNoOutputLeft(List.of("in.fasta"));
    }

    private void assertNoOutputLeft(List<String> expected) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(expected.stream().map(dir::resolve).toList(), files.sorted().toList(),
                    "failed runs leave nothing behind");
        }
    }

    @Test
    void unknownResidueNamesRecordAndPosition() throws IOException {
        Cli.Result r = embed(Map.of("bad", "MKTJAYIA"));
        assertOneLineError(r, 3, "record 'bad'", "'J'", "position 4", "--unknown");
        assertNoOutputLeft();
        assertEquals(0, embed(Map.of("bad", "MKTJAYIA"), "--unknown", "X").exitCode());
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Cli.Result r = embed(Map.of("bad", "MKTJAYIA"), "--verbose");
        assertEquals(3, r.exitCode());
        assertTrue(r.err().contains("\tat org.esm2j."), r.toString());
    }

    @Test
    void missingFastaIsInvalidInput() {
        Cli.Result r = Cli.run("embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f",
                dir.resolve("absent.fasta"), "-o", out());
        assertOneLineError(r, 3, "absent.fasta", "does not exist");
    }

    @Test
    void overLongSequenceSuggestsTruncateOrWindow() throws IOException {
        Cli.Result r = embed(Map.of("long", "A".repeat(1023)));
        assertOneLineError(r, 3, "record 'long'", "1023 residues", "1022", "--truncate", "--window");
        assertNoOutputLeft();
    }

    @Test
    void malformedLayersIsAUsageErrorAndOutOfRangeIsInvalidInput() throws IOException {
        assertOneLineError(embed(Map.of("s", "MKV"), "--layers", "last"), 2, "--layers", "layer list");
        assertOneLineError(embed(Map.of("s", "MKV"), "--layers", "0,5"), 3, "layer 5", "out of range", "2 layers");
        assertOneLineError(embed(Map.of("s", "MKV"), "--layers", "-4"), 3, "layer -4");
        assertNoOutputLeft();
    }

    @Test
    void usageErrorsExitWithTwo() throws IOException {
        assertOneLineError(Cli.run("embed", "--fasta", "x.fasta"), 2, "--model");
        assertOneLineError(embed(Map.of("s", "MKV"), "--bogus"), 2, "--bogus");
        assertOneLineError(embed(Map.of("s", "MKV"), "--include", "everything"), 2, "everything");
        assertOneLineError(embed(Map.of("s", "MKV"), "--unknown", "drop"), 2, "drop");
        assertOneLineError(embed(Map.of("s", "MKV"), "--truncate", "5", "--window", "5"), 2, "--truncate");
        assertOneLineError(embed(Map.of("s", "MKV"), "--window", "5", "--overlap", "5"), 2, "overlap");
        assertOneLineError(embed(Map.of("s", "MKV"), "--window", "5", "--include", "attentions"), 2, "attentions");
        assertOneLineError(Cli.run("score", "-m", "x", "--mutations", "A1G"), 2, "--sequence");
        assertOneLineError(Cli.run("convert", "a.pt", "b.safetensors", "--dtype", "int8"), 2, "int8");
        assertOneLineError(Cli.run(), 2, "subcommand");
        assertNoOutputLeft();
    }

    @Test
    void missingOrUnknownModelIsAModelProblem() throws IOException {
        Path fasta = Cli.fasta(dir, "in.fasta", Map.of("s", "MKV"));
        assertOneLineError(Cli.run("embed", "-m", dir.resolve("nope.pt"), "-f", fasta, "-o", out()), 4, "nope.pt");
        assertOneLineError(Cli.run("embed", "-m", "esm2_t6_8M_UR50D", "-f", fasta, "-o", out(), "--offline"), 4);
        assertNoOutputLeft();
    }

    @Test
    void helpAndVersionSucceed() {
        Cli.Result version = Cli.run("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("esm2j "), version.out());
        for (String command : List.of("embed", "contacts", "score", "convert")) {
            Cli.Result help = Cli.run(command, "--help");
            assertEquals(0, help.exitCode(), help.toString());
            assertTrue(help.out().contains("Usage: esm2j " + command), help.out());
        }
        assertTrue(Cli.run("--help").out().contains("Exit codes"));
    }

    @Test
    void truncateOrWindowAboveTheModelLimitIsAUsageErrorNamingIt() throws IOException {
        assertOneLineError(embed(Map.of("s", "MKV"), "--truncate", "1023"), 2, "--truncate 1023", "limit of 1022");
        assertOneLineError(embed(Map.of("s", "MKV"), "--window", "4000"), 2, "--window 4000", "limit of 1022");
        assertEquals(0, embed(Map.of("s", "MKV"), "--truncate", "1022").exitCode());
        assertNoOutputLeft(List.of("in.fasta", "out.safetensors"));
    }

    @Test
    void scoreAppliesTheSameLengthLimitAsEmbed() {
        Cli.Result r = Cli.run("score", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "--sequence",
                "A".repeat(1023), "--mutations", "A1G");
        assertOneLineError(r, 3, "1023 residues", "limit of 1022");
    }

    @Test
    void deviceMustBeKnownAndAnUnusableCudaIsOneLine() throws IOException {
        assertOneLineError(embed(Map.of("s", "MKV"), "--device", "tpu"), 2, "unknown device 'tpu'", "cpu, cuda, auto");
        boolean cudaUsable;
        try {
            Backends.select("cuda");
            cudaUsable = true;
        } catch (RuntimeException e) {
            cudaUsable = false;
        }
        Assumptions.assumeFalse(cudaUsable, "a CUDA device is usable here");
        Cli.Result r = embed(Map.of("s", "MKV"), "--device", "cuda");
        assertOneLineError(r, 1, "--device cuda", "no usable CUDA GPU", "--device cpu");
        assertFalse(r.err().contains("/"), "no library search paths: " + r.err());
        assertNoOutputLeft();
    }

    @Test
    void everyCommandPrintsTheVersion() {
        for (String command : List.of("embed", "contacts", "score", "convert")) {
            Cli.Result r = Cli.run(command, "--version");
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("esm2j " + Esm2jVersion.get()), command + ": " + r.out());
        }
    }

    @Test
    void quietSilencesProgressAndSummary() throws IOException {
        Cli.Result shown = embed(Map.of("s", "MKV"), "--progress");
        assertEquals(0, shown.exitCode(), shown.toString());
        assertTrue(shown.err().contains("wrote 1 records"), shown.toString());
        Cli.Result quiet = embed(Map.of("s", "MKV"), "--progress", "--quiet");
        assertEquals(0, quiet.exitCode(), quiet.toString());
        assertEquals("", quiet.err());
    }
}
