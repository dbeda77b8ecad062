package org.esm2j.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.esm2j.InvalidInputException;
import org.esm2j.function.baseline.BaselineSearches;
import org.esm2j.function.baseline.NaiveFrequencyPredictor;
import org.esm2j.function.baseline.SequenceSimilarityPredictor;
import org.esm2j.function.finetune.FinetuneConfig;
import org.esm2j.function.finetune.FinetuneData;
import org.esm2j.function.finetune.FinetuneRun;
import org.esm2j.function.imbalance.DecisionThresholds;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.predictor.PredictorDirectory;
import org.esm2j.function.probe.ProbeTrainer;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;
import org.jfree.chart.JFreeChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code esm2j finetune}: trains a function predictor, a head on frozen ESM-2 embeddings or the backbone itself (whole,
 * or through LoRA adapters) with a head, and writes it as a predictor directory. Settings come from
 * {@link FinetuneConfig}: defaults, then {@code --config}, then flags.
 *
 * <p>Besides the predictor's own files ({@link PredictorDirectory}, with a fine-tuned backbone's weights or PEFT
 * adapter files), the directory holds {@code finetune.json} (the effective settings and a summary of the run),
 * {@code threshold_tuning.tsv} (each term's threshold with its validation precision, recall and F1), and for logistic
 * regression, MLP and backbone training {@code training_curve.tsv} with its chart {@code training_curve.png} /
 * {@code .svg}. It is assembled beside the target and renamed into place, so it appears complete or not at all.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a function predictor (logistic regression, MLP, kNN or prototypes on frozen ESM-2 "
                + "embeddings, or the backbone fine-tuned with a head: whole, or through LoRA adapters), tune "
                + "per-term thresholds on the validation part, and write a predictor directory for 'esm2j predict'.",
            "Settings: --config F (JSON object or key=value properties; paths relative to the file), overridden by "
                + "the flags below and by --set KEY=VALUE. Keys are listed in cli/README.md."})
public final class FinetuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "F.json|F.properties", description = "The settings file.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any config key (repeatable).")
    List<String> settings = new ArrayList<>();

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Key model: the base checkpoint.")
    String model;

    @Option(names = "--fasta", paramLabel = "F.fasta[.gz]", description = "Key fasta: the sequences.")
    String fasta;

    @Option(names = "--labels", paramLabel = "L.tsv", description = "Key labels: labels TSV protein<TAB>term.")
    String labels;

    @Option(names = "--uniprot", paramLabel = "F.dat", description = "Key uniprot: GO labels from a UniProt flat "
            + "file (needs --obo).")
    String uniprot;

    @Option(names = "--obo", paramLabel = "go.obo[.gz]", description = "Key obo: propagate and name GO labels.")
    String obo;

    @Option(names = "--split", paramLabel = "S.tsv", description = "Key split: protein<TAB>part (esm2j split).")
    String split;

    @Option(names = "--mode", paramLabel = "logreg|mlp|knn|prototypes|finetune|lora",
            description = "Key mode: what is trained.")
    String mode;

    @Option(names = "--cache", paramLabel = "DIR", description = "Key cache: the embedding cache folder.")
    String cache;

    @Option(names = "--seed", paramLabel = "N", description = "Key seed.")
    String seed;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Key out: the predictor directory to create.")
    String out;

    @Option(names = "--test-out", paramLabel = "DIR", description = "Key test_out: test truth and predictions.")
    String testOut;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        FinetuneConfig config = config();
        Path target = config.path("out").toAbsolutePath();
        if (Files.exists(target)) {
            throw new InvalidInputException("predictor directory " + target + " already exists; choose a new path "
                    + "(config key out)");
        }
        PrintWriter w = spec.commandLine().getOut();
        FinetuneRun.Outcome outcome = FinetuneRun.run(config, new Progress(spec.commandLine().getErr()));
        FinetuneData data = outcome.data();
        w.printf("labels %d; proteins train %d, valid %d, test %d%n", data.vocabulary().size(), data.train().size(),
                data.valid().size(), data.test().size());
        if (!outcome.history().isEmpty()) {
            ProbeTrainer.Epoch best = outcome.history().get(outcome.bestEpoch() - 1);
            w.printf(Locale.ROOT, "%s: %d epochs, kept epoch %d (training loss %.4f, validation loss %.4f)%n",
                    config.choice(FinetuneConfig.MODE), outcome.history().size(), outcome.bestEpoch(),
                    best.trainLoss(), best.validationLoss());
        }
        long tuned = outcome.thresholds().stream().filter(DecisionThresholds.TunedThreshold::tuned).count();
        w.printf("thresholds: %d of %d terms tuned on validation (%s)%n", tuned, outcome.thresholds().size(),
                config.text("thresholds"));
        writePredictor(target, config, outcome, (System.nanoTime() - start) / 1e9);
        w.println("wrote " + target);
        if (config.isSet("test_out")) {
            writeTest(config, outcome, w);
        }
        w.printf("took %.1f s%n", (System.nanoTime() - start) / 1e9);
        w.flush();
        return 0;
    }

    private FinetuneConfig config() {
        FinetuneConfig config = FinetuneConfig.defaults();
        if (configFile != null) {
            config = config.withFile(configFile);
        }
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("model", model);
        flags.put("fasta", fasta);
        flags.put("labels", labels);
        flags.put("uniprot", uniprot);
        flags.put("obo", obo);
        flags.put("split", split);
        flags.put("mode", mode);
        flags.put("cache", cache);
        flags.put("seed", seed);
        flags.put("out", out);
        flags.put("test_out", testOut);
        for (Map.Entry<String, String> f : flags.entrySet()) {
            if (f.getValue() != null) {
                config = config.with(f.getKey(), f.getValue(), "flag --" + f.getKey().replace('_', '-'));
            }
        }
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("--set '" + s + "': expected KEY=VALUE");
            }
            config = config.with(s.substring(0, eq).strip(), s.substring(eq + 1), "--set " + s);
        }
        return config;
    }

    private static void writePredictor(Path target, FinetuneConfig config, FinetuneRun.Outcome outcome,
            double seconds) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".finetune-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        try {
            PredictorDirectory.write(tmp, outcome.predictor());
            writeJson(tmp.resolve("finetune.json"), summary(config, outcome, seconds));
            DecisionThresholds.write(tmp.resolve("threshold_tuning.tsv"), outcome.thresholds());
            if (!outcome.history().isEmpty()) {
                writeCurve(tmp.resolve("training_curve.tsv"), outcome.history());
                String mode = config.choice(FinetuneConfig.MODE);
                JFreeChart chart = TrainingCurveChart.build("Training curve: " + mode
                        + (FinetuneConfig.BACKBONE_MODES.contains(mode) ? "" : " probe") + ", "
                        + outcome.data().train().size() + " training proteins", outcome.history(),
                        outcome.bestEpoch());
                PrecisionRecallChart.writePng(tmp.resolve("training_curve.png"), chart);
                PrecisionRecallChart.writeSvg(tmp.resolve("training_curve.svg"), chart);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } finally {
            deleteTree(tmp);
        }
    }

    private static Map<String, Object> summary(FinetuneConfig config, FinetuneRun.Outcome outcome, double seconds) {
        Map<String, Object> parts = new LinkedHashMap<>();
        for (FinetuneData.Part p : List.of(outcome.data().train(), outcome.data().valid(), outcome.data().test())) {
            parts.put(p.name(), p.size());
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("config", new LinkedHashMap<>(config.effective()));
        root.put("proteins", parts);
        root.put("labels", outcome.data().vocabulary().size());
        root.put("epochs", outcome.history().size());
        root.put("best_epoch", outcome.bestEpoch());
        root.put("seconds", Math.round(seconds * 10) / 10.0);
        return root;
    }

    private static void writeCurve(Path file, List<ProbeTrainer.Epoch> history) throws IOException {
        StringBuilder sb = new StringBuilder("epoch\ttrain_loss\tvalidation_loss\n");
        for (ProbeTrainer.Epoch e : history) {
            sb.append(e.epoch()).append('\t').append(e.trainLoss()).append('\t')
                    .append(Double.isNaN(e.validationLoss()) ? "" : String.valueOf(e.validationLoss())).append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    private static void writeJson(Path file, Map<String, Object> value) throws IOException {
        byte[] bytes = (Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    /**
     * The test part's truth ({@code truth.tsv}, vocabulary labels only), the training part's ({@code train.tsv}, for
     * {@code evaluate --ic-from}), the predictor's scores ({@code predictions.tsv}) and, with {@code baselines}, the
     * naive and sequence-similarity baselines' ({@code naive.tsv}, {@code similarity.tsv}).
     */
    private static void writeTest(FinetuneConfig config, FinetuneRun.Outcome outcome, PrintWriter w)
            throws IOException {
        Path dir = config.path("test_out");
        Files.createDirectories(dir);
        FinetuneData data = outcome.data();
        LabelVocabulary vocabulary = data.vocabulary();
        FinetuneData.Part test = data.test();
        if (test.size() == 0) {
            w.println("no test proteins (part '" + config.text("test_part") + "'); nothing written to " + dir);
            return;
        }
        writeTruth(dir.resolve("truth.tsv"), test.truth(vocabulary));
        writeTruth(dir.resolve("train.tsv"), data.train().truth(vocabulary));
        writeFasta(dir.resolve("test.fasta"), test);
        writeScores(dir.resolve("predictions.tsv"), vocabulary, outcome.predictor().thresholds(), test.ids(),
                outcome.testScores());
        if (config.flag("baselines")) {
            float[][] naive = NaiveFrequencyPredictor.fit(data.train().labels()).predict(test.size());
            writeScores(dir.resolve("naive.tsv"), vocabulary, null, test.ids(), naive);
            SequenceSimilarityPredictor similarity = SequenceSimilarityPredictor.fit(data.train().records(),
                    data.train().labels(), BaselineSearches.detect(Runtime.getRuntime().availableProcessors()));
            writeScores(dir.resolve("similarity.tsv"), vocabulary, null, test.ids(),
                    similarity.predict(test.records()));
            w.println("baselines: naive frequency, sequence similarity (" + similarity.method() + ")");
        }
        w.println("wrote test truth and predictions to " + dir);
    }

    private static void writeTruth(Path file, Map<String, List<String>> truth) throws IOException {
        StringBuilder sb = new StringBuilder("protein\tterm\n");
        truth.forEach((protein, terms) -> terms.forEach(t -> sb.append(protein).append('\t').append(t).append('\n')));
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    private static void writeFasta(Path file, FinetuneData.Part part) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < part.size(); i++) {
            sb.append('>').append(part.ids().get(i)).append('\n').append(part.sequences().get(i)).append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    private static void writeScores(Path file, LabelVocabulary vocabulary, float[] thresholds, List<String> ids,
            float[][] scores) throws IOException {
        AtomicFiles.write(file, o -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8));
            new PredictionTsv(writer, vocabulary, thresholds, 0.0).write(ids, scores);
            writer.flush();
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The embedding phase on a {@link ProgressBar}; a line per epoch of backbone training. */
    private static final class Progress implements FinetuneRun.Listener {
        private final PrintWriter err;
        private ProgressBar bar;

        Progress(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void embeddingStarted(int sequences, long residues) {
            bar = new ProgressBar(err, "embedding", sequences, residues);
        }

        @Override
        public void embedded(int sequences, long residues) {
            bar.update(sequences, residues);
        }

        @Override
        public void embeddingFinished() {
            bar.finish();
        }

        @Override
        public void epochFinished(ProbeTrainer.Epoch epoch, int bestEpoch) {
            err.printf(Locale.ROOT, "epoch %d: training loss %.4f, validation loss %.4f%s%n", epoch.epoch(),
                    epoch.trainLoss(), epoch.validationLoss(), bestEpoch == epoch.epoch() ? " (best so far)" : "");
            err.flush();
        }
    }
}
