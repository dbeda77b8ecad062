package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.esm2j.io.Npy;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-protein tables (.npy + ids, Arrow IPC), --resume after a killed process, and --dry-run. */
class BigJobsTest {
    @TempDir
    Path dir;

    private static Object[] embed(Path fasta, Path out, Object... extra) {
        List<Object> args = new ArrayList<>(List.of("embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f",
                fasta, "-o", out));
        args.addAll(List.of(extra));
        return args.toArray();
    }

    private static void assertOk(Cli.Result r) {
        assertEquals(0, r.exitCode(), r.toString());
    }

    /** The per-record arrays of a safetensors run: the reference the tables must reproduce exactly. */
    private Safetensors.Contents reference(Path fasta, String include) throws IOException {
        Path out = dir.resolve("reference-" + include.replace(',', '_') + ".safetensors");
        assertOk(Cli.run(embed(fasta, out, "--include", include, "--layers", "all")));
        return Safetensors.read(out);
    }

    @Test
    void npyTableRowsAreTheMeansInInputOrderWithAnIdsFile() throws IOException {
        Map<String, String> records = OutputSafetyTest.randomRecords(12, 60, 3);
        Path fasta = Cli.fasta(dir, "in.fasta", records);
        Safetensors.Contents ref = reference(fasta, "mean");
        Path table = dir.resolve("means.npy");
        assertOk(Cli.run(embed(fasta, table, "--include", "mean", "--layers", "1")));
        Tensor matrix = Npy.read(java.nio.ByteBuffer.wrap(Files.readAllBytes(table)), table.toString());
        List<String> ids = new ArrayList<>(records.keySet());
        int dim = (int) ref.get(ids.get(0) + "/mean/1").shape()[0];
        assertArrayEquals(new long[] {ids.size(), dim}, matrix.shape());
        float[] all = matrix.toFloatArray();
        for (int i = 0; i < ids.size(); i++) {
            float[] row = java.util.Arrays.copyOfRange(all, i * dim, (i + 1) * dim);
            assertArrayEquals(ref.get(ids.get(i) + "/mean/1").toFloatArray(), row, "row " + i);
        }
        assertEquals(ids, Files.readAllLines(dir.resolve("means.ids.txt"), StandardCharsets.UTF_8));

        Cli.Result two = Cli.run(embed(fasta, dir.resolve("two.npy"), "--include", "mean,bos"));
        assertEquals(2, two.exitCode(), two.toString());
        assertTrue(two.err().contains("one array per record"), two.toString());
        Cli.Result perResidue = Cli.run(embed(fasta, dir.resolve("pr.npy"), "--include", "per-residue"));
        assertEquals(2, perResidue.exitCode(), perResidue.toString());
        assertTrue(perResidue.err().contains("only mean and bos fit"), perResidue.toString());
    }

    @Test
    void arrowTableHoldsIdAndOneColumnPerArrayInInputOrder() throws IOException {
        Map<String, String> records = OutputSafetyTest.randomRecords(1500, 12, 5); // more than one Arrow batch
        Path fasta = Cli.fasta(dir, "in.fasta", records);
        Safetensors.Contents ref = reference(fasta, "mean,bos");
        Path table = dir.resolve("t.feather");
        assertOk(Cli.run(embed(fasta, table, "--include", "mean,bos", "--layers", "all")));
        List<String> ids = new ArrayList<>(records.keySet());
        List<String> columns = List.of("mean/0", "bos/0", "mean/1", "bos/1", "mean/2", "bos/2");
        int row = 0;
        try (BufferAllocator allocator = new RootAllocator();
                FileChannel channel = FileChannel.open(table);
                ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<String> names = new ArrayList<>();
            root.getSchema().getFields().forEach(f -> names.add(f.getName()));
            List<String> expectedNames = new ArrayList<>(List.of("id"));
            expectedNames.addAll(columns);
            assertEquals(expectedNames, names);
            assertEquals("esm2j-embeddings", root.getSchema().getCustomMetadata().get("format"));
            while (reader.loadNextBatch()) {
                VarCharVector idColumn = (VarCharVector) root.getVector("id");
                for (int r = 0; r < root.getRowCount(); r++, row++) {
                    String id = ids.get(row);
                    assertEquals(id, idColumn.getObject(r).toString());
                    for (String column : columns) {
                        Float4Vector data = (Float4Vector) ((FixedSizeListVector) root.getVector(column))
                                .getDataVector();
                        float[] expected = ref.get(id + "/" + column).toFloatArray();
                        float[] actual = new float[expected.length];
                        for (int c = 0; c < expected.length; c++) {
                            actual[c] = data.get(r * expected.length + c);
                        }
                        assertArrayEquals(expected, actual, id + " " + column);
                    }
                }
            }
        }
        assertEquals(ids.size(), row, "one row per record");
    }

    @Test
    void aKilledRunResumesToTheSameBytesAsAnUninterruptedOne() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", OutputSafetyTest.randomRecords(150, 200, 11));
        Object[] options = {"--include", "per-residue,mean,bos", "--layers", "all", "--toks-per-batch", "1024"};
        Path out = dir.resolve("resumed.safetensors");
        Path state = ResumeStore.directoryFor(out);
        Process child = ChildCli.builder(embed(fasta, out, concat(options, "--resume")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 120_000;
            while (!Files.exists(state.resolve("shard-000001.bin")) && child.isAlive()
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hook, the hardest way to die
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(Files.exists(state.resolve("shard-000001.bin")) && !Files.exists(out),
                "killed after two batches and before the end: " + Files.readString(dir.resolve("child.log")));

        Cli.Result wrongOptions = Cli.run(embed(fasta, out, "--include", "mean", "--resume"));
        assertEquals(3, wrongOptions.exitCode(), wrongOptions.toString());
        assertTrue(wrongOptions.err().contains("other inputs, model or options"), wrongOptions.toString());

        Cli.Result resumed = Cli.run(embed(fasta, out, concat(options, "--resume", "--progress")));
        assertOk(resumed);
        assertTrue(resumed.err().contains("resuming: "), resumed.toString());
        assertFalse(Files.exists(state), "the shards are gone once the output is in place");

        Path straight = dir.resolve("straight.safetensors");
        assertOk(Cli.run(embed(fasta, straight, options)));
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(out), "resumed bytes == uninterrupted");
    }

    private static Object[] concat(Object[] a, Object... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray();
    }

    @Test
    void dryRunReportsThePlanWritesNothingAndEstimatesTheOutputSize() throws IOException {
        Path fasta = Cli.fasta(dir, "in.fasta", OutputSafetyTest.randomRecords(20, 200, 13));
        List<Path> before;
        try (Stream<Path> files = Files.list(dir)) {
            before = files.toList();
        }
        Path out = dir.resolve("e.safetensors");
        Cli.Result dry = Cli.run(embed(fasta, out, "--truncate", "50", "--layers", "all", "--dry-run"));
        assertOk(dry);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(before, files.toList(), "a dry run writes nothing");
        }
        // Every record is at least 100 residues, so --truncate 50 leaves 20 x 50.
        assertTrue(dry.out().contains("records   20\n"), dry.out());
        assertTrue(dry.out().contains("residues  1000 after the length policy (truncate:50)"), dry.out());
        assertTrue(dry.out().contains("tokens    1040 "), dry.out());
        for (String format : List.of("safetensors", "npz")) {
            Path real = dir.resolve("e." + format);
            Cli.Result plan = Cli.run(embed(fasta, real, "--truncate", "50", "--layers", "all", "--dry-run"));
            assertOk(Cli.run(embed(fasta, real, "--truncate", "50", "--layers", "all")));
            long estimate = parseBytes(plan.out());
            long actual = Files.size(real);
            assertTrue(Math.abs(estimate - actual) <= 0.03 * actual, format + ": estimated " + estimate
                    + " bytes, wrote " + actual);
        }
    }

    /** The "output ... about N.N KiB" figure of a dry run, in bytes. */
    private static long parseBytes(String report) {
        String line = report.lines().filter(l -> l.startsWith("output")).findFirst().orElseThrow();
        String[] words = line.substring(line.indexOf("about ") + 6).split(" ");
        double value = Double.parseDouble(words[0]);
        int power = List.of("B", "KiB", "MiB", "GiB").indexOf(words[1]);
        return (long) (value * Math.pow(1024, power));
    }
}
