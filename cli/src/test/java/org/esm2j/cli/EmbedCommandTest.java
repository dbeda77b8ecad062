package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.io.Json;
import org.esm2j.io.Npy;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esm2j embed} on the tiny fixture model against fair-esm's golden outputs. */
class EmbedCommandTest {
    /** Fixture README: a faithful float32 implementation is within 1e-4 * max(1, |ref|) (repr, logits). */
    static final double REPR_TOL = 1e-4;
    /** Fixture README: attentions and contacts within 1e-5 absolute. */
    static final double PROB_TOL = 1e-5;
    static final int[] SEQUENCES = {0, 1, 2};

    static Golden golden;
    static Map<String, String> records;
    static int dim;

    @TempDir
    Path dir;

    @BeforeAll
    static void readGolden() {
        golden = Golden.of(Fixtures.TINY);
        records = new LinkedHashMap<>();
        for (int i : SEQUENCES) {
            records.put("seq" + i, golden.sequences().get(i));
        }
        dim = (int) golden.tensor("s0.repr.0").dim(1);
    }

    /** Rows 1..T-2 (the residues) of a golden (T, width) array. */
    static float[] residueRows(float[] full, int width) {
        return Arrays.copyOfRange(full, width, full.length - width);
    }

    static float[] mean(float[] rows, int width) {
        int n = rows.length / width;
        float[] m = new float[width];
        for (int c = 0; c < width; c++) {
            double s = 0;
            for (int r = 0; r < n; r++) {
                s += rows[r * width + c];
            }
            m[c] = (float) (s / n);
        }
        return m;
    }

    @Test
    void safetensorsOutputMatchesGoldenForEveryLayerAndOutput() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", records);
        Path out = dir.resolve("emb.safetensors");
        Cli.Result r = Cli.run("embed", "--model", Fixtures.huggingFaceFolder(Fixtures.TINY), "--fasta", fasta,
                "--out", out, "--layers", "all", "--include", "per-residue,mean,bos,logits,contacts",
                "--toks-per-batch", "300");
        assertEquals(0, r.exitCode(), r.toString());

        Safetensors.Contents c = Safetensors.read(out);
        int layers = golden.numLayers();
        for (int i : SEQUENCES) {
            String id = "seq" + i;
            int n = golden.tokens(i).length - 2;
            for (int l = 0; l <= layers; l++) {
                float[] ref = residueRows(golden.floats("s" + i + ".repr." + l), dim);
                Tensor repr = c.get(id + "/repr/" + l);
                assertArrayEquals(new long[] {n, dim}, repr.shape());
                NumericAssert.assertClose(id + " repr " + l, repr.toFloatArray(), ref, REPR_TOL, REPR_TOL);
                NumericAssert.assertClose(id + " mean " + l, c.get(id + "/mean/" + l).toFloatArray(),
                        mean(ref, dim), REPR_TOL, REPR_TOL);
                float[] bos = Arrays.copyOf(golden.floats("s" + i + ".repr." + l), dim);
                NumericAssert.assertClose(id + " bos " + l, c.get(id + "/bos/" + l).toFloatArray(), bos, REPR_TOL,
                        REPR_TOL);
            }
            Tensor logits = c.get(id + "/logits");
            assertArrayEquals(new long[] {n, 33}, logits.shape());
            NumericAssert.assertClose(id + " logits", logits.toFloatArray(),
                    residueRows(golden.floats("s" + i + ".logits"), 33), REPR_TOL, REPR_TOL);
            Tensor contacts = c.get(id + "/contacts");
            assertArrayEquals(new long[] {n, n}, contacts.shape());
            NumericAssert.assertClose(id + " contacts", contacts.toFloatArray(),
                    golden.floats("s" + i + ".contacts"), PROB_TOL, 0);
        }

        Map<String, String> meta = c.metadata();
        assertEquals("esm2j-embeddings", meta.get("format"));
        assertEquals(List.of("seq0", "seq1", "seq2"), Json.parse(meta.get("records")));
        assertEquals(List.of(0L, 1L, 2L), Json.parse(meta.get("layers")));
        assertEquals("error:1022", meta.get("length_policy"));
        assertTrue(meta.get("esm2j.config").contains("\"num_layers\":2"), meta.get("esm2j.config"));
        // Header order is input order whatever order the batches ran in (seq1 is the shortest, so it ran first).
        assertEquals("seq0/repr/0", c.tensors().keySet().iterator().next());
    }

    @Test
    void npzFromTheMetaCheckpointHoldsTheSameNumbersAndAttentions() throws Exception {
        Path fasta = Cli.fasta(dir, "in.fasta", records);
        Path out = dir.resolve("emb.npz");
        Cli.Result r = Cli.run("embed", "-m", Fixtures.metaCheckpoint(Fixtures.TINY), "-f", fasta, "-o", out,
                "--include", "per-residue,attentions");
        assertEquals(0, r.exitCode(), r.toString());

        Map<String, Tensor> arrays = Npy.readNpz(out);
        int last = golden.numLayers();
        for (int i : SEQUENCES) {
            String id = "seq" + i;
            NumericAssert.assertClose(id + " npz repr -1", arrays.get(id + "/repr/" + last).toFloatArray(),
                    residueRows(golden.floats("s" + i + ".repr." + last), dim), REPR_TOL, REPR_TOL);
            Tensor att = arrays.get(id + "/attentions");
            int t = golden.tokens(i).length;
            assertArrayEquals(new long[] {last, 4, t, t}, att.shape());
            NumericAssert.assertClose(id + " attentions", att.toFloatArray(), golden.floats("s" + i + ".attentions"),
                    PROB_TOL, 0);
        }
        assertEquals(6, arrays.size(), "only the requested outputs: " + arrays.keySet());
        Map<String, Object> meta = Json.parseObject(
                new String(Npy.readNpzEntry(out, NpzSink.METADATA_ENTRY), StandardCharsets.UTF_8));
        assertEquals("[\"seq0\",\"seq1\",\"seq2\"]", meta.get("records"));
        assertEquals("[\"per-residue\",\"attentions\"]", meta.get("include"));
    }

    @Test
    void windowsMergeToWholeSequenceRowsAndMatchAWindowRunAlone() throws Exception {
        String full = golden.sequences().get(0);
        int n = full.length();
        Map<String, String> input = new LinkedHashMap<>();
        input.put("full", full);
        input.put("head", full.substring(0, 100));
        Path out = dir.resolve("win.safetensors");
        Cli.Result r = Cli.run("embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f",
                Cli.fasta(dir, "w.fasta", input), "-o", out, "--window", "100", "--overlap", "20", "--include",
                "per-residue,mean,logits,contacts");
        assertEquals(0, r.exitCode(), r.toString());

        Safetensors.Contents c = Safetensors.read(out);
        int last = golden.numLayers();
        float[] merged = c.get("full/repr/" + last).toFloatArray();
        assertEquals(n * dim, merged.length);
        // Residues 0..79 lie in the first window only (the second starts at 80), which is exactly "head".
        float[] head = c.get("head/repr/" + last).toFloatArray();
        NumericAssert.assertClose("window-only rows", Arrays.copyOf(merged, 80 * dim), Arrays.copyOf(head, 80 * dim),
                1e-5, 1e-5);
        NumericAssert.assertClose("mean of merged rows", c.get("full/mean/" + last).toFloatArray(),
                mean(merged, dim), 1e-6, 1e-6);
        assertArrayEquals(new long[] {n, 33}, c.get("full/logits").shape());
        float[] contacts = c.get("full/contacts").toFloatArray();
        assertTrue(Float.isNaN(contacts[n - 1]), "residues 1 and n share no window");
        assertTrue(contacts[1] >= 0 && contacts[1] <= 1, "neighbours share a window: " + contacts[1]);
        assertEquals("window:100:20", c.metadata().get("length_policy"));
    }

    @Test
    void truncationKeepsTheFirstResidues() throws Exception {
        String full = golden.sequences().get(0);
        Map<String, String> input = new LinkedHashMap<>();
        input.put("full", full);
        input.put("prefix", full.substring(0, 50));
        Path out = dir.resolve("t.safetensors");
        Cli.Result r = Cli.run("embed", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "-f",
                Cli.fasta(dir, "t.fasta", input), "-o", out, "--truncate", "50");
        assertEquals(0, r.exitCode(), r.toString());
        Safetensors.Contents c = Safetensors.read(out);
        int last = golden.numLayers();
        assertArrayEquals(new long[] {50, dim}, c.get("full/repr/" + last).shape());
        NumericAssert.assertClose("truncated = prefix", c.get("full/repr/" + last).toFloatArray(),
                c.get("prefix/repr/" + last).toFloatArray(), 1e-6, 1e-6);
        assertEquals("[50,50]", c.metadata().get("residues"));
    }

    @Test
    void contactsCommandWritesUpperTriangleTsv() throws Exception {
        Map<String, String> input = new LinkedHashMap<>();
        input.put("seq2", golden.sequences().get(2));
        Path out = dir.resolve("c.tsv");
        Cli.Result r = Cli.run("contacts", "-m", Fixtures.metaCheckpoint(Fixtures.TINY), "-f",
                Cli.fasta(dir, "c.fasta", input), "-o", out);
        assertEquals(0, r.exitCode(), r.toString());
        List<String> lines = java.nio.file.Files.readAllLines(out);
        int n = golden.tokens(2).length - 2;
        assertEquals(ContactsTsvSink.HEADER, lines.get(0));
        assertEquals(1 + n * (n - 1) / 2, lines.size());
        float[] ref = golden.floats("s2.contacts");
        float[] actual = new float[lines.size() - 1];
        float[] expected = new float[lines.size() - 1];
        for (int k = 1; k < lines.size(); k++) {
            String[] f = lines.get(k).split("\t");
            assertEquals("seq2", f[0]);
            int i = Integer.parseInt(f[1]) - 1;
            int j = Integer.parseInt(f[2]) - 1;
            assertTrue(i < j);
            actual[k - 1] = Float.parseFloat(f[3]);
            expected[k - 1] = ref[i * n + j];
        }
        NumericAssert.assertClose("tsv contacts", actual, expected, PROB_TOL, 0);
    }
}
