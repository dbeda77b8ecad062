package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.esm2j.function.finetune.FinetuneConfig;
import org.esm2j.function.predictor.FunctionPredictor;
import org.esm2j.function.synthetic.SyntheticFunctionTask;
import org.esm2j.io.Json;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code esm2j finetune} and {@code esm2j predict} end to end on the generated motif task (196 proteins, 11 terms;
 * fixture model esm2_L2_D320_H20 with random weights): the predictor directory's contents and provenance, predict's
 * scores against the Java API's, the tuned thresholds behind the predicted column, batching and streaming to stdout,
 * the predictor beating the naive baseline through {@code esm2j evaluate}, and the refusals.
 */
class FinetunePredictCommandTest {
    /** Predictions TSVs print 6 decimals. */
    private static final double PRINTED = 5.1e-7;

    @TempDir
    static Path dir;
    private static Path model;
    private static Path fasta;
    private static Path labels;
    private static Path split;
    private static Path config;
    private static Path predictor;
    private static Path testOut;
    private static Cli.Result finetune;
    /** Labelled proteins per part (train, valid, test): proteins without a term take no part. */
    private static final int[] PART_SIZES = new int[3];

    @BeforeAll
    static void finetuneOnce() throws IOException {
        model = Fixtures.huggingFaceFolder(Fixtures.HEADS20);
        SyntheticFunctionTask task = SyntheticFunctionTask.standard(7);
        StringBuilder fa = new StringBuilder();
        StringBuilder tsv = new StringBuilder("protein\tterm\n");
        StringBuilder parts = new StringBuilder("protein\tsplit\n");
        int n = task.proteins().size();
        for (int i = 0; i < n; i++) {
            SyntheticFunctionTask.Protein p = task.proteins().get(i);
            fa.append('>').append(p.id()).append(" generated\n").append(p.sequence()).append('\n');
            for (int t = 0; t < p.terms().length; t++) {
                if (p.terms()[t]) {
                    tsv.append(p.id()).append('\t').append(task.termNames().get(t)).append('\n');
                }
            }
            // The task's proteins are in generation order; every 4th to test, every 4th + 1 to valid.
            String part = i % 4 == 0 ? "test" : i % 4 == 1 ? "valid" : "train";
            parts.append(p.id()).append('\t').append(part).append('\n');
            boolean labelled = false;
            for (boolean b : p.terms()) {
                labelled |= b;
            }
            if (labelled) {
                PART_SIZES[part.equals("train") ? 0 : part.equals("valid") ? 1 : 2]++;
            }
        }
        fasta = Files.writeString(dir.resolve("task.fasta"), fa);
        labels = Files.writeString(dir.resolve("labels.tsv"), tsv);
        split = Files.writeString(dir.resolve("split.tsv"), parts);
        // Paths relative to the config file's folder; the model given as a flag.
        config = Files.writeString(dir.resolve("finetune.json"), "{\"fasta\": \"task.fasta\", \"labels\": "
                + "\"labels.tsv\", \"split\": \"split.tsv\", \"mode\": \"logreg\", \"max_epochs\": 60, \"patience\": 8, "
                + "\"baselines\": true, \"seed\": 3}");
        predictor = dir.resolve("predictor");
        testOut = dir.resolve("test");
        finetune = Cli.run("finetune", "--config", config, "--model", model, "--out", predictor, "--test-out",
                testOut);
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** protein -> term -> {score, predicted (1/0, or -1 without the column)}. */
    private static Map<String, Map<String, double[]>> readPredictions(String text) {
        Map<String, Map<String, double[]>> out = new LinkedHashMap<>();
        String[] lines = text.split("\n");
        List<String> header = List.of(lines[0].split("\t"));
        int score = header.indexOf("score");
        int predicted = header.indexOf("predicted");
        for (int i = 1; i < lines.length; i++) {
            String[] c = lines[i].split("\t");
            out.computeIfAbsent(c[0], k -> new LinkedHashMap<>()).put(c[1], new double[] {Double.parseDouble(
                    c[score]), predicted < 0 ? -1 : Double.parseDouble(c[predicted])});
        }
        return out;
    }

    @Test
    void finetuneWritesACompletePredictorDirectory() throws IOException {
        assertEquals(0, finetune.exitCode(), finetune.toString());
        assertTrue(finetune.out().contains("labels 11; proteins train " + PART_SIZES[0] + ", valid " + PART_SIZES[1]
                + ", test " + PART_SIZES[2]), finetune.out());
        for (String f : List.of("predictor.json", "head.safetensors", "labels.tsv", "thresholds.tsv", "finetune.json",
                "threshold_tuning.tsv", "training_curve.tsv", "training_curve.png", "training_curve.svg")) {
            assertTrue(Files.isRegularFile(predictor.resolve(f)), f);
        }
        Map<String, Object> json = Json.parseObject(Files.readString(predictor.resolve("predictor.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> provenance = (Map<String, Object>) json.get("provenance");
        @SuppressWarnings("unchecked")
        Map<String, Object> inputs = (Map<String, Object>) provenance.get("inputs");
        assertEquals(sha256(fasta), inputs.get("fasta"));
        assertEquals(sha256(labels), inputs.get("labels"));
        assertEquals(sha256(split), inputs.get("split"));
        assertEquals(3L, provenance.get("seed"));
        Map<String, Object> summary = Json.parseObject(Files.readString(predictor.resolve("finetune.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> effective = (Map<String, Object>) summary.get("config");
        assertEquals(fasta.toAbsolutePath().normalize().toString(), effective.get("fasta"),
                "relative paths in the config resolve against its folder");
        assertEquals("60", effective.get("max_epochs"));
        // Early stopping kept the best validation epoch and the curve says which.
        List<String> curve = Files.readAllLines(predictor.resolve("training_curve.tsv"));
        int best = ((Number) summary.get("best_epoch")).intValue();
        double bestLoss = Double.parseDouble(curve.get(best).split("\t")[2]);
        for (String row : curve.subList(1, curve.size())) {
            assertTrue(Double.parseDouble(row.split("\t")[2]) >= bestLoss, "epoch " + row + " beats the kept one");
        }
        BufferedImage png = ImageIO.read(predictor.resolve("training_curve.png").toFile());
        assertEquals(PrecisionRecallChart.WIDTH, png.getWidth());
        assertTrue(Files.readString(predictor.resolve("training_curve.svg")).contains("validation loss"));
    }

    @Test
    void predictScoresAsTheApiDoesWithTheTunedThresholds() throws IOException {
        assertEquals(0, finetune.exitCode(), finetune.toString());
        Path out = dir.resolve("predictions.tsv");
        Cli.Result r = Cli.run("predict", "--predictor", predictor, "--model", model, "--fasta", fasta, "--out", out,
                "--min-score", 0, "--batch-size", 7);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("scored 196 proteins"), r.err());
        Map<String, Map<String, double[]>> predicted = readPredictions(Files.readString(out));
        Map<String, Float> thresholds = new LinkedHashMap<>();
        for (String row : Files.readAllLines(predictor.resolve("thresholds.tsv")).subList(1, 12)) {
            thresholds.put(row.split("\t")[0], Float.parseFloat(row.split("\t")[1]));
        }
        List<String> ids = new ArrayList<>(predicted.keySet());
        List<String> sequences = new ArrayList<>();
        SyntheticFunctionTask.standard(7).proteins().forEach(p -> sequences.add(p.sequence()));
        assertEquals(196, ids.size());
        try (FunctionPredictor api = FunctionPredictor.load(predictor, model)) {
            float[][] scores = api.scores(ids, sequences);
            for (int i = 0; i < ids.size(); i++) {
                for (int t = 0; t < api.vocabulary().size(); t++) {
                    String term = api.vocabulary().label(t);
                    double[] row = predicted.get(ids.get(i)).get(term);
                    assertEquals(scores[i][t], row[0], PRINTED, ids.get(i) + " " + term);
                    assertEquals(scores[i][t] >= thresholds.get(term) ? 1.0 : 0.0, row[1], ids.get(i) + " " + term);
                }
            }
        }
        // test.fasta holds the test part's proteins, and finetune scored them through the same path as predict.
        List<String> testFasta = Files.readAllLines(testOut.resolve("test.fasta"));
        assertEquals(2 * PART_SIZES[2], testFasta.size());
        for (int i = 0; i < testFasta.size(); i += 2) {
            String id = testFasta.get(i).substring(1);
            assertEquals(sequences.get(ids.indexOf(id)), testFasta.get(i + 1), id);
        }
        Map<String, Map<String, double[]>> test = readPredictions(Files.readString(testOut.resolve(
                "predictions.tsv")));
        assertEquals(PART_SIZES[2], test.size());
        test.forEach((protein, terms) -> terms.forEach((term, v) -> assertEquals(predicted.get(protein).get(term)[0],
                v[0], PRINTED, protein + " " + term)));
    }

    @Test
    void predictStreamsToStandardOutputAndLeavesOutLowScores() throws IOException {
        assertEquals(0, finetune.exitCode(), finetune.toString());
        Cli.Result r = Cli.run("predict", "--predictor", predictor, "--model", model, "--fasta", fasta, "--out", "-");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("protein\tterm\tname\tscore\tpredicted\n"), r.out());
        Map<String, Map<String, double[]>> kept = readPredictions(r.out());
        assertFalse(kept.isEmpty());
        kept.values().forEach(terms -> terms.values().forEach(v -> assertTrue(v[0] >= 0.01, "score " + v[0])));
    }

    @Test
    void thePredictorBeatsTheNaiveBaselineOnTheTestPart() throws IOException {
        assertEquals(0, finetune.exitCode(), finetune.toString());
        Map<String, Double> aupr = new LinkedHashMap<>();
        for (String name : List.of("predictions", "naive", "similarity")) {
            Path metrics = dir.resolve(name + ".json");
            Cli.Result r = Cli.run("evaluate", "--predictions", testOut.resolve(name + ".tsv"), "--truth",
                    testOut.resolve("truth.tsv"), "--no-charts", "--out", metrics);
            assertEquals(0, r.exitCode(), r.toString());
            aupr.put(name, ((Number) Json.parseObject(Files.readString(metrics)).get("aupr_micro")).doubleValue());
        }
        System.out.println("generated task, test part micro AUPR: " + aupr);
        // SyntheticTaskModesTest measured logistic regression 0.888 vs naive 0.273 on a similar random split.
        assertTrue(aupr.get("predictions") >= aupr.get("naive") + 0.25, aupr.toString());
    }

    @Test
    void predictRefusesAnotherBaseModel() {
        assertEquals(0, finetune.exitCode(), finetune.toString());
        Path other = Fixtures.huggingFaceFolder(Fixtures.HEAD_DIM64);
        Cli.Result r = Cli.run("predict", "--predictor", predictor, "--model", other, "--fasta", fasta, "--out",
                dir.resolve("never.tsv"));
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("was trained on base model") && r.err().contains("load the predictor with the "
                + "model it was trained on"), r.err());
        assertFalse(Files.exists(dir.resolve("never.tsv")));
    }

    @Test
    void finetuneRefusesAnExistingDirectoryBeforeTraining() {
        assertEquals(0, finetune.exitCode(), finetune.toString());
        Cli.Result r = Cli.run("finetune", "--config", config, "--model", model, "--out", predictor);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("already exists"), r.err());
    }

    @Test
    void everyConfigKeyIsDocumentedInTheCliReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## finetune settings"), readme.indexOf("## predict output"));
        for (FinetuneConfig.Key key : FinetuneConfig.KEYS) {
            assertTrue(section.contains("`" + key.name() + "`"), key.name() + " is missing from cli/README.md");
        }
    }

    @Test
    void configErrorsNameTheKeyAndWhereItCameFrom() throws IOException {
        Path badJson = Files.writeString(dir.resolve("bad.json"), "{\"max_epochs\": \"ten\"}");
        Cli.Result r = Cli.run("finetune", "--config", badJson, "--out", dir.resolve("x"));
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("config key 'max_epochs' (from config file " + badJson + "): expected a whole "
                + "number, got 'ten'"), r.err());

        Path badProperties = Files.writeString(dir.resolve("bad.properties"), "mode = forest\n");
        r = Cli.run("finetune", "--config", badProperties, "--out", dir.resolve("x"));
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("config key 'mode'") && r.err().contains("one of logreg, mlp, knn, prototypes")
                && r.err().contains("'forest'"), r.err());

        r = Cli.run("finetune", "--config", config, "--set", "hiden=64", "--out", dir.resolve("x"));
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("unknown config key 'hiden'") && r.err().contains("did you mean 'hidden'"),
                r.err());

        r = Cli.run("finetune", "--config", config, "--model", model);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("config key 'out' is required"), r.err());

        r = Cli.run("finetune", "--config", config, "--seed", "x1", "--out", dir.resolve("x"));
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("config key 'seed' (from flag --seed)"), r.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }
}
