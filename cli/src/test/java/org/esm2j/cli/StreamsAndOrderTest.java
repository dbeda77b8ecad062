package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Standard input and output as FASTA source and output target, and outputs in input order. */
class StreamsAndOrderTest {
    /** Longest first, so that batches (shortest first) finish the records in reverse order. */
    static final Map<String, String> RECORDS = new LinkedHashMap<>();

    static {
        RECORDS.put("long", "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ");
        RECORDS.put("mid", "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ");
        RECORDS.put("short", "MKTAYIAKQRQ");
        RECORDS.put("tiny", "MKV");
    }

    @TempDir
    Path dir;

    private static Object[] embedArgs(Object fasta, Object out, Object... extra) {
        List<Object> args = new ArrayList<>(List.of("embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f",
                fasta, "-o", out, "--toks-per-batch", "40"));
        args.addAll(List.of(extra));
        return args.toArray();
    }

    private static byte[] runChild(InputStream stdin, Object... args) throws Exception {
        Process child = ChildCli.builder(args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = child.getOutputStream()) {
            if (stdin != null) {
                stdin.transferTo(in);
            }
        }
        byte[] out = child.getInputStream().readAllBytes();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), "child exit status");
        return out;
    }

    @Test
    void fastaFromStandardInputGivesTheSameBytesAsFromAFile() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", RECORDS);
        Path fromFile = dir.resolve("file.npz");
        assertEquals(0, Cli.run(embedArgs(fasta, fromFile)).exitCode());
        Path fromStdin = dir.resolve("stdin.npz");
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(Files.readAllBytes(fasta)));
            Cli.Result r = Cli.run(embedArgs("-", fromStdin));
            assertEquals(0, r.exitCode(), r.toString());
        } finally {
            System.setIn(saved);
        }
        assertArrayEquals(Files.readAllBytes(fromFile), Files.readAllBytes(fromStdin));

        // A pipe (not seekable) through /dev/stdin in a real process, and npz on a piped standard output.
        byte[] piped = runChild(Files.newInputStream(fasta), embedArgs("/dev/stdin", "-", "--format", "npz"));
        assertArrayEquals(Files.readAllBytes(fromFile), piped);
    }

    @Test
    void contactsTsvGoesToStandardOutputInInputOrder() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", RECORDS);
        Path file = dir.resolve("c.tsv");
        Cli.Result r = Cli.run("contacts", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f", fasta, "-o", file,
                "--toks-per-batch", "40");
        assertEquals(0, r.exitCode(), r.toString());
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        LinkedHashSet<String> order = new LinkedHashSet<>();
        lines.subList(1, lines.size()).forEach(l -> order.add(l.substring(0, l.indexOf('\t'))));
        assertEquals(new ArrayList<>(RECORDS.keySet()), new ArrayList<>(order), "TSV records in input order");

        byte[] stdout = runChild(null, "contacts", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f", fasta,
                "-o", "-", "--toks-per-batch", "40");
        assertArrayEquals(Files.readAllBytes(file), stdout, "--out - writes the same TSV to standard output");
    }

    @Test
    void npzMembersComeInInputOrder() throws IOException {
        Path fasta = Cli.fasta(dir, "in.fasta", RECORDS);
        Path out = dir.resolve("e.npz");
        Cli.Result r = Cli.run(embedArgs(fasta, out, "--include", "mean,per-residue"));
        assertEquals(0, r.exitCode(), r.toString());
        List<String> members = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(out))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                members.add(e.getName());
            }
        }
        List<String> expected = new ArrayList<>();
        for (String id : RECORDS.keySet()) {
            expected.add(id + "/repr/2.npy");
            expected.add(id + "/mean/2.npy");
        }
        expected.add(NpzSink.METADATA_ENTRY);
        assertEquals(expected, members);
    }

    @Test
    void binaryOutputToStandardOutputNeedsAFormatAndNoCompanionFile() throws IOException {
        Path fasta = Cli.fasta(dir, "in.fasta", RECORDS);
        Cli.Result r = Cli.run(embedArgs(fasta, "-"));
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--out - needs --format"), r.toString());
        Cli.Result npy = Cli.run(embedArgs(fasta, "-", "--format", "npy", "--include", "mean"));
        assertEquals(2, npy.exitCode(), npy.toString());
        assertTrue(npy.err().contains("ids file"), npy.toString());
    }

    /** util-linux script(1) gives the child a terminal as standard output. */
    @Test
    void binaryOutputIsRefusedOnATerminal() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) is not installed");
        Path fasta = Cli.fasta(dir, "in.fasta", RECORDS);
        StringBuilder command = new StringBuilder();
        for (String word : ChildCli.builder(embedArgs(fasta, "-", "--format", "npz")).command()) {
            command.append('\'').append(word.replace("'", "'\\''")).append("' ");
        }
        Process child = new ProcessBuilder("/usr/bin/script", "-qec", command.toString(), "/dev/null")
                .redirectErrorStream(true).start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, child.exitValue(), output);
        assertTrue(output.contains("would write binary npz to the terminal"), output);
    }
}
