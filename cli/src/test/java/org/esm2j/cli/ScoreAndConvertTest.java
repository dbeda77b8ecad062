package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.esm2j.io.Safetensors;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esm2j score} against the golden masked-marginal scores; {@code esm2j convert} round trips. */
class ScoreAndConvertTest {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    @Test
    void maskedMarginalScoresMatchGolden() throws Exception {
        Golden golden = Golden.of(Fixtures.TINY);
        List<String> mutations = (List<String>) golden.meta("s2.mutations");
        List<Number> expected = (List<Number>) golden.meta("s2.masked_marginal_scores");
        Path fasta = Cli.fasta(dir, "wt.fasta", Map.of("wt", golden.sequences().get(2)));
        Cli.Result r = Cli.run("score", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "--fasta", fasta,
                "--mutations", String.join(",", mutations), "--strategy", "masked-marginals");
        assertEquals(0, r.exitCode(), r.toString());

        List<String> lines = r.out().lines().toList();
        assertEquals("mutation\tscore", lines.get(0));
        assertEquals(mutations.size() + 1, lines.size());
        float[] actual = new float[mutations.size()];
        float[] reference = new float[mutations.size()];
        for (int i = 0; i < mutations.size(); i++) {
            String[] fields = lines.get(i + 1).split("\t");
            assertEquals(mutations.get(i), fields[0]);
            actual[i] = Float.parseFloat(fields[1]);
            reference[i] = expected.get(i).floatValue();
        }
        // Differences of log-softmax values of logits good to 1e-4 relative; the TSV keeps six decimals.
        NumericAssert.assertClose("masked-marginal scores", actual, reference, 1e-3, 1e-4);

        // The same through a mutation file, written to --out, with a 0-based offset shifting every position by one.
        StringBuilder zeroBased = new StringBuilder("# zero-based positions\n");
        for (String m : mutations) {
            int pos = Integer.parseInt(m.substring(1, m.length() - 1));
            zeroBased.append(m.charAt(0)).append(pos - 1).append(m.charAt(m.length() - 1)).append('\n');
        }
        Path file = dir.resolve("muts.txt");
        Files.writeString(file, zeroBased);
        Path out = dir.resolve("scores.tsv");
        Cli.Result viaFile = Cli.run("score", "-m", Fixtures.metaCheckpoint(Fixtures.TINY), "--sequence",
                golden.sequences().get(2), "--mutations-file", file, "--offset", "0", "--out", out);
        assertEquals(0, viaFile.exitCode(), viaFile.toString());
        assertEquals("", viaFile.out());
        List<String> fileLines = Files.readAllLines(out);
        for (int i = 0; i < mutations.size(); i++) {
            assertEquals(lines.get(i + 1).split("\t")[1], fileLines.get(i + 1).split("\t")[1], "mutation " + i);
        }
    }

    @Test
    void wrongWildTypeLetterIsInvalidInput() {
        Cli.Result r = Cli.run("score", "-m", Fixtures.huggingFaceFolder(Fixtures.TINY), "--sequence", "MKV",
                "--mutations", "A2G", "--strategy", "pll");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("esm2j: error: "), r.err());
    }

    @Test
    void convertedCheckpointGivesTheSameEmbeddings() throws Exception {
        Golden golden = Golden.of(Fixtures.TINY);
        Path converted = dir.resolve("tiny.safetensors");
        Cli.Result c = Cli.run("convert", Fixtures.metaCheckpoint(Fixtures.TINY), converted);
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(c.out().contains("wrote " + converted), c.out());

        Path fasta = Cli.fasta(dir, "in.fasta", Map.of("seq2", golden.sequences().get(2)));
        Path fromPt = dir.resolve("pt.safetensors");
        Path fromConverted = dir.resolve("conv.safetensors");
        String include = "per-residue,logits,contacts";
        assertEquals(0, Cli.run("embed", "-m", Fixtures.metaCheckpoint(Fixtures.TINY), "-f", fasta, "-o", fromPt,
                "--include", include).exitCode());
        Cli.Result e = Cli.run("embed", "-m", converted, "-f", fasta, "-o", fromConverted, "--include", include);
        assertEquals(0, e.exitCode(), e.toString());

        Safetensors.Contents a = Safetensors.read(fromPt);
        Safetensors.Contents b = Safetensors.read(fromConverted);
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String key : a.tensors().keySet()) {
            // fp32 conversion copies the weights bit for bit, so the outputs should be identical.
            NumericAssert.assertClose("converted " + key, b.get(key).toFloatArray(), a.get(key).toFloatArray(), 1e-7,
                    0);
        }
        assertEquals("tiny.safetensors", b.metadata().get("model"));
        assertEquals(a.metadata().get("model.sha256"), b.metadata().get("model.sha256"),
                "provenance survives conversion");

        Path half = dir.resolve("tiny-bf16.safetensors");
        assertEquals(0, Cli.run("convert", Fixtures.metaCheckpoint(Fixtures.TINY), half, "--dtype", "bf16")
                .exitCode());
        assertTrue(Files.size(half) < Files.size(converted), "bf16 weights are smaller");
    }
}
