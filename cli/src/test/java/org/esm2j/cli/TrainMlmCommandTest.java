package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code esm2j train-mlm}: the fixed-batch step against PyTorch's, a small run with resume, and input errors. */
class TrainMlmCommandTest {
    /** The fixtures README's per-tensor tolerance: max|diff| <= 1e-4 * max(1, max|ref|). */
    private static final double TOL = 1e-4;

    @TempDir
    Path dir;

    @Test
    void fixedBatchStepMatchesPyTorchGradientsAndAdamWParameters() {
        Path trainFile = Fixtures.model(Fixtures.TINY).resolve("train.safetensors");
        Golden train = Golden.read(trainFile);
        @SuppressWarnings("unchecked")
        Map<String, Object> adamw = (Map<String, Object>) train.meta("adamw");
        // the options the issue gives are the fixture's hyperparameters
        assertEquals(1e-3, ((Number) adamw.get("lr")).doubleValue());
        assertEquals(List.of(0.9, 0.999), ((List<?>) adamw.get("betas")).stream()
                .map(b -> ((Number) b).doubleValue()).toList());
        assertEquals(1e-8, ((Number) adamw.get("eps")).doubleValue());
        assertEquals(0.01, ((Number) adamw.get("weight_decay")).doubleValue());
        assertEquals(1.0, ((Number) adamw.get("clip_norm")).doubleValue());
        Path grads = dir.resolve("G.safetensors");
        Path params = dir.resolve("P.safetensors");
        Cli.Result r = Cli.run("train-mlm", "--model", Fixtures.metaCheckpoint(Fixtures.TINY), "--batch", trainFile,
                "--steps", 1, "--lr", "1e-3", "--betas", "0.9,0.999", "--eps", "1e-8", "--weight-decay", "0.01",
                "--weight-decay-all", "--clip-norm", "1.0", "--save-gradients", grads, "--save-parameters", params,
                "--out", dir.resolve("run"));
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, org.esm2j.tensor.Tensor> g = Safetensors.read(grads).tensors();
        Map<String, org.esm2j.tensor.Tensor> p = Safetensors.read(params).tensors();
        int gradients = 0;
        int parameters = 0;
        for (String key : train.keys()) {
            if (key.startsWith("mlm.grad.")) {
                String name = key.substring("mlm.grad.".length());
                assertClose("gradient " + name, g.get(name).toFloatArray(), train.floats(key));
                gradients++;
            } else if (key.startsWith("mlm.after_adamw.")) {
                String name = key.substring("mlm.after_adamw.".length());
                assertClose("after AdamW " + name, p.get(name).toFloatArray(), train.floats(key));
                parameters++;
            }
        }
        assertEquals(gradients, g.size(), "a reference for every written gradient");
        assertEquals(parameters, p.size(), "a reference for every written parameter");
        assertTrue(r.err().contains("step 1: loss "), r.toString());
        double loss = Double.parseDouble(r.err().replaceAll("(?s).*step 1: loss (\\S+).*", "$1"));
        double ref = ((Number) train.meta("mlm.loss")).doubleValue();
        assertTrue(Math.abs(loss - ref) <= 1e-5 * Math.abs(ref), "loss " + loss + " vs " + ref);
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, what + " size");
        double maxRef = 0;
        double maxAbs = 0;
        double maxRel = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            double d = Math.abs(actual[i] - expected[i]);
            maxAbs = Math.max(maxAbs, d);
            maxRel = Math.max(maxRel, d / Math.max(1e-12, Math.abs(expected[i])));
        }
        double allowed = TOL * Math.max(1, maxRef);
        assertTrue(maxAbs <= allowed, what + ": max abs error " + maxAbs + " (max rel " + maxRel + ") > " + allowed);
    }

    private Path fasta(int n, int length) throws IOException {
        Map<String, String> records = new LinkedHashMap<>();
        String aa = "ACDEFGHIKLMNPQRSTVWY";
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int p = 0; p < length + i % 7; p++) {
                s.append(aa.charAt((p * 7 + i * 3 + p * p) % aa.length()));
            }
            records.put("p" + i, s.toString());
        }
        return Cli.fasta(dir, "train.fasta", records);
    }

    @Test
    void smallRunWritesMetricsCheckpointsAndAModelAndResumes() throws IOException, NoSuchAlgorithmException {
        Path fasta = fasta(12, 20);
        Path out = dir.resolve("run");
        Object[] common = {"train-mlm", "--init-shape", "layers=1,dim=16,heads=2", "--fasta", fasta, "--out", out,
            "--batch-size", 4, "--validate-every", 2, "--checkpoint-every", 2, "--lr", "1e-3", "--threads", 1};
        Cli.Result r = Cli.run(concat(common, "--steps", 4));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("composition-only baseline perplexity"), r.err());
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-00000004")));
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertTrue(csv.get(0).startsWith("step,epoch,loss,lr,grad_norm,tokens,tokens_per_s"), csv.get(0));
        assertEquals(6, csv.size(), "header, step 0 (validation) and steps 1-4: " + csv);
        Map<String, Object> json = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        assertTrue(((Number) json.get("composition_baseline_perplexity")).doubleValue() > 1);
        LoadedCheckpoint trained = CheckpointLoader.load(out.resolve("model.safetensors"));
        assertEquals(16, trained.weights().config().embedDim());
        // finetune and predict tie a predictor to its base model by this digest; it was empty once, and rejected.
        String fileSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(out.resolve("model.safetensors"))));
        assertEquals(fileSha256, trained.sourceSha256(), "the trained model is identified by its file's SHA-256");

        Cli.Result again = Cli.run(concat(common, "--steps", 4));
        assertEquals(3, again.exitCode(), "a second run into the same --out without --resume: " + again);
        assertTrue(again.err().contains("--resume"), again.err());

        Cli.Result resumed = Cli.run(concat(common, "--steps", 6, "--resume"));
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-00000006")));
        assertEquals(8, Files.readAllLines(out.resolve("metrics.csv")).size(), "steps 5 and 6 appended");
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Cli.Result train(Path fasta, Object... extra) {
        Object[] base = {"train-mlm", "--init-shape", "layers=1,dim=16,heads=2", "--fasta", fasta, "--out",
            dir.resolve("bad"), "--steps", 1};
        return Cli.run(concat(base, extra));
    }

    @Test
    void badInputIsReportedBeforeTraining() throws IOException {
        Path empty = dir.resolve("empty.fasta");
        Files.writeString(empty, "");
        Cli.Result r = train(empty);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("no records") || r.err().contains("no sequences"), r.err());

        Path unknown = Cli.fasta(dir, "unknown.fasta", Map.of("a", "ACDEF", "weird", "ACJDE"));
        r = train(unknown);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("weird") && r.err().contains("J"), r.err());

        Path longOne = Cli.fasta(dir, "long.fasta", Map.of("short", "ACDEF", "huge", "A".repeat(1100)));
        r = train(longOne);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("huge") && r.err().contains("--truncate"), r.err());
        assertEquals(0, train(longOne, "--truncate", 50, "--validate-every", 1).exitCode(),
                "--truncate makes it acceptable");

        r = Cli.run("train-mlm", "--fasta", unknown, "--out", dir.resolve("x"), "--steps", 1);
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--model") && r.err().contains("--init-shape"), r.err());

        r = Cli.run("train-mlm", "--init-shape", "layers=2,dim=30,heads=4", "--fasta", unknown, "--out",
                dir.resolve("y"), "--steps", 1);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("heads of even size"), r.err());
    }
}
