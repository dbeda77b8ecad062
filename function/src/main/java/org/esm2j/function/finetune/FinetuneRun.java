package org.esm2j.function.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.function.embed.EmbeddingCache;
import org.esm2j.function.embed.EmbeddingSpec;
import org.esm2j.function.embed.MeanEmbedder;
import org.esm2j.function.embed.ProteinEmbedder;
import org.esm2j.function.imbalance.DecisionThresholds;
import org.esm2j.function.imbalance.DecisionThresholds.TunedThreshold;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.metrics.MultiLabelEvaluation;
import org.esm2j.function.predictor.FunctionPredictor;
import org.esm2j.function.predictor.LabelMatrices;
import org.esm2j.function.predictor.Provenance;
import org.esm2j.function.predictor.TrainedPredictor;
import org.esm2j.function.probe.EmbeddingHead;
import org.esm2j.function.probe.KnnLabelTransfer;
import org.esm2j.function.probe.ProbeOptions;
import org.esm2j.function.probe.ProbeTrainer;
import org.esm2j.function.probe.PrototypeClassifier;
import org.esm2j.train.loss.PosWeights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fine-tuning run, from a {@link FinetuneConfig} to a {@link TrainedPredictor}. On frozen embeddings: read the
 * data, embed every protein once with the base model (mean over residues of one layer, through an on-disk cache when
 * configured), train the configured head on the training part (logistic regression and MLP with early stopping on the
 * validation loss, keeping the best epoch's weights; kNN and prototypes are fitted directly). Modes {@code finetune}
 * and {@code lora} instead train the backbone (or LoRA adapters on it) with a head through the training engine
 * ({@link BackboneFineTuning}) and then score with the trained network exactly as {@code predict} will (the same
 * {@link FunctionPredictor} code on the same weights). Either way: tune per-term decision thresholds on the validation
 * part, and score the test part.
 *
 * <p>Unknown residues are read as X, as {@link org.esm2j.function.predictor.FunctionPredictor} reads them at
 * prediction time, so a predictor scores a sequence the same way in both.
 */
public final class FinetuneRun {
    private static final Logger LOG = LoggerFactory.getLogger(FinetuneRun.class);
    /** Sequences per call into the embedder, so that progress can be reported while it works. */
    private static final int EMBEDDING_CHUNK = 32;

    /** Progress callbacks; called on the thread running {@link #run}. */
    public interface Listener {
        /** Before embedding: how many sequences and residues there are in all. */
        default void embeddingStarted(int sequences, long residues) {
        }

        /** After each chunk: how many are done so far. */
        default void embedded(int sequences, long residues) {
        }

        default void embeddingFinished() {
        }

        /** Modes finetune and lora: after each epoch's validation, with the epoch kept so far. */
        default void epochFinished(ProbeTrainer.Epoch epoch, int bestEpoch) {
        }
    }

    /**
     * What a run produced.
     *
     * @param predictor the trained predictor, ready for {@code PredictorDirectory.write}
     * @param data the joined inputs (parts, vocabulary)
     * @param history per-epoch losses of logistic regression / MLP / backbone training (empty for kNN and prototypes,
     *     and for backbone training without validation proteins)
     * @param bestEpoch the epoch whose weights were kept (0 when there is no history)
     * @param thresholds how each term's threshold was tuned on validation
     * @param testScores scores of the test part's proteins (rows in {@code data.test()} order; empty without test)
     */
    public record Outcome(TrainedPredictor predictor, FinetuneData data, List<ProbeTrainer.Epoch> history,
            int bestEpoch, List<TunedThreshold> thresholds, float[][] testScores) {
    }

    private FinetuneRun() {
    }

    public static Outcome run(FinetuneConfig config, Listener listener) {
        String mode = config.choice(FinetuneConfig.MODE);
        ProbeOptions probeOptions = mode.equals("logreg") || mode.equals("mlp") ? probeOptions(config, mode) : null;
        BackboneFineTuning.Settings backbone = FinetuneConfig.BACKBONE_MODES.contains(mode)
                ? BackboneFineTuning.Settings.of(config, mode) : null;
        LengthPolicy lengthPolicy = lengthPolicy(config);
        FinetuneData data = FinetuneData.load(config);
        LoadedCheckpoint checkpoint = CheckpointLoader.load(config.path("model"));
        if (backbone != null) {
            return fineTuneBackbone(config, backbone, data, checkpoint, lengthPolicy, listener);
        }

        try (Esm2Model model = Esm2Model.load(checkpoint.weights())) {
            ProteinEmbedder embedder = new MeanEmbedder(model, checkpoint.sourceSha256(), config.integer("layer"),
                    lengthPolicy, config.integer("tokens_per_batch"), UnknownResiduePolicy.MAP_TO_X);
            if (config.isSet("cache")) {
                embedder = new EmbeddingCache(embedder, config.path("cache"));
            }
            List<FinetuneData.Part> parts = List.of(data.train(), data.valid(), data.test());
            float[][][] embedded = embedAll(embedder, parts, lengthPolicy, listener);
            return finish(config, mode, probeOptions, data, checkpoint, embedder, embedded[0], embedded[1],
                    embedded[2]);
        }
    }

    private static Outcome finish(FinetuneConfig config, String mode, ProbeOptions probeOptions, FinetuneData data,
            LoadedCheckpoint checkpoint, ProteinEmbedder embedder, float[][] train, float[][] valid, float[][] test) {
        boolean[][] trainLabels = data.train().labels();
        EmbeddingHead head;
        List<ProbeTrainer.Epoch> history = List.of();
        int bestEpoch = 0;
        switch (mode) {
            case "knn" -> head = KnnLabelTransfer.fit(train, trainLabels, positive(config, "k"));
            case "prototypes" -> head = PrototypeClassifier.fit(train, trainLabels,
                    PrototypeClassifier.Metric.valueOf(config.choice("metric").toUpperCase(java.util.Locale.ROOT)));
            default -> {
                ProbeTrainer.Result result = ProbeTrainer.train(train, trainLabels, valid, data.valid().labels(),
                        probeOptions);
                head = result.probe();
                history = result.history();
                bestEpoch = result.bestEpoch();
            }
        }
        LabelVocabulary vocabulary = data.vocabulary();
        List<TunedThreshold> tuned = tuneThresholds(config, data, head.scoreAll(valid));
        TrainedPredictor predictor = new TrainedPredictor(head, embedder.spec(), checkpoint.sourceName(), vocabulary,
                thresholdValues(tuned), provenance(config, data, checkpoint));
        return new Outcome(predictor, data, history, bestEpoch, tuned, head.scoreAll(test));
    }

    private static Outcome fineTuneBackbone(FinetuneConfig config, BackboneFineTuning.Settings settings,
            FinetuneData data, LoadedCheckpoint checkpoint, LengthPolicy lengthPolicy, Listener listener) {
        BackboneFineTuning.Trained trained = BackboneFineTuning.train(settings, data, checkpoint, listener);
        EmbeddingSpec spec = new EmbeddingSpec(checkpoint.sourceSha256(), checkpoint.weights().config().numLayers(),
                lengthPolicy);
        LabelVocabulary vocabulary = data.vocabulary();
        TrainedPredictor untuned = new TrainedPredictor(trained.head(), spec, trained.backbone(),
                checkpoint.sourceName(), vocabulary, TrainedPredictor.uniformThresholds(vocabulary.size(), 0.5f),
                provenance(config, data, checkpoint));
        float[][] validScores;
        float[][] testScores;
        try (FunctionPredictor scorer = FunctionPredictor.of(untuned, checkpoint, "the fine-tuned predictor",
                positive(config, "tokens_per_batch"))) {
            validScores = score(scorer, data.valid());
            testScores = score(scorer, data.test());
        }
        List<TunedThreshold> tuned = tuneThresholds(config, data, validScores);
        TrainedPredictor predictor = new TrainedPredictor(untuned.head(), spec, untuned.backbone(),
                untuned.baseModelSource(), vocabulary, thresholdValues(tuned), untuned.provenance());
        return new Outcome(predictor, data, trained.history(), trained.bestEpoch(), tuned, testScores);
    }

    private static float[][] score(FunctionPredictor scorer, FinetuneData.Part part) {
        return part.size() == 0 ? new float[0][] : scorer.scores(part.ids(), part.sequences());
    }

    private static float[] thresholdValues(List<TunedThreshold> tuned) {
        float[] thresholds = new float[tuned.size()];
        for (int t = 0; t < thresholds.length; t++) {
            thresholds[t] = (float) tuned.get(t).threshold();
        }
        return thresholds;
    }

    private static Provenance provenance(FinetuneConfig config, FinetuneData data, LoadedCheckpoint checkpoint) {
        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("model", checkpoint.sourceSha256());
        inputs.putAll(data.inputDigests());
        return Provenance.now(config.integer("seed"), inputs);
    }

    private static float[][][] embedAll(ProteinEmbedder embedder, List<FinetuneData.Part> parts,
            LengthPolicy lengthPolicy, Listener listener) {
        int total = 0;
        long residues = 0;
        for (FinetuneData.Part p : parts) {
            total += p.size();
            for (String s : p.sequences()) {
                residues += residuesRead(s, lengthPolicy);
            }
        }
        listener.embeddingStarted(total, residues);
        float[][][] out = new float[parts.size()][][];
        int done = 0;
        long residuesDone = 0;
        for (int k = 0; k < parts.size(); k++) {
            FinetuneData.Part p = parts.get(k);
            out[k] = new float[p.size()][];
            for (int start = 0; start < p.size(); start += EMBEDDING_CHUNK) {
                int end = Math.min(p.size(), start + EMBEDDING_CHUNK);
                float[][] chunk = embedder.embed(p.ids().subList(start, end), p.sequences().subList(start, end));
                System.arraycopy(chunk, 0, out[k], start, chunk.length);
                done += chunk.length;
                for (String s : p.sequences().subList(start, end)) {
                    residuesDone += residuesRead(s, lengthPolicy);
                }
                listener.embedded(done, residuesDone);
            }
        }
        listener.embeddingFinished();
        return out;
    }

    /** Residues of {@code sequence} the model reads: a truncating policy crops, the others read every residue. */
    private static int residuesRead(String sequence, LengthPolicy policy) {
        return policy.mode() == LengthPolicy.Mode.TRUNCATE ? Math.min(sequence.length(), policy.maxResidues())
                : sequence.length();
    }

    /**
     * Per-term thresholds from the validation part, in vocabulary order. Without validation proteins every term gets
     * {@code threshold_fallback}.
     */
    private static List<TunedThreshold> tuneThresholds(FinetuneConfig config, FinetuneData data, float[][] scores) {
        LabelVocabulary vocabulary = data.vocabulary();
        double fallback = config.number("threshold_fallback");
        if (!(fallback >= 0 && fallback <= 1)) {
            throw config.invalid("threshold_fallback", "a number in [0, 1]", null);
        }
        Map<String, TunedThreshold> byTerm = Map.of();
        if (data.valid().size() == 0) {
            LOG.warn("no validation proteins: every term gets the fallback threshold {}", fallback);
        } else {
            MultiLabelEvaluation validation = MultiLabelEvaluation.of(data.valid().truth(vocabulary),
                    LabelMatrices.predictions(data.valid().ids(), scores, vocabulary, 0.0));
            String objective = config.text("thresholds").strip();
            if (objective.equalsIgnoreCase("f1")) {
                byTerm = DecisionThresholds.maximizeF1(validation, fallback);
            } else if (objective.toLowerCase(java.util.Locale.ROOT).startsWith("precision:")) {
                double target;
                try {
                    target = Double.parseDouble(objective.substring("precision:".length()));
                } catch (NumberFormatException e) {
                    throw config.invalid("thresholds", "f1 or precision:P with P in (0, 1]", e);
                }
                if (!(target > 0 && target <= 1)) {
                    throw config.invalid("thresholds", "f1 or precision:P with P in (0, 1]", null);
                }
                byTerm = DecisionThresholds.targetPrecision(validation, target, fallback);
            } else {
                throw config.invalid("thresholds", "f1 or precision:P with P in (0, 1]", null);
            }
        }
        List<TunedThreshold> out = new ArrayList<>(vocabulary.size());
        int tuned = 0;
        for (String term : vocabulary.labels()) {
            TunedThreshold t = byTerm.get(term);
            if (t == null) {
                t = new TunedThreshold(term, fallback, Double.NaN, Double.NaN, Double.NaN, false);
            }
            tuned += t.tuned() ? 1 : 0;
            out.add(t);
        }
        LOG.info("thresholds: {} of {} terms tuned on validation, the others at {}", tuned, out.size(), fallback);
        return out;
    }

    private static ProbeOptions probeOptions(FinetuneConfig config, String mode) {
        boolean mlp = mode.equals("mlp");
        long seed = config.integer("seed");
        ProbeOptions base = mlp ? ProbeOptions.mlp(seed) : ProbeOptions.logisticRegression(seed);
        double learningRate = config.isSet("learning_rate") ? config.number("learning_rate") : base.learningRate();
        String posWeight = config.choice("pos_weight");
        PosWeights.Scaling scaling = posWeight.equals("none") ? null
                : PosWeights.Scaling.valueOf(posWeight.toUpperCase(java.util.Locale.ROOT));
        try {
            return new ProbeOptions(mlp ? positive(config, "hidden") : 0, mlp ? config.number("dropout") : 0.0,
                    learningRate, config.number("weight_decay"), positive(config, "batch_size"),
                    config.isSet("max_epochs") ? positive(config, "max_epochs") : base.maxEpochs(),
                    config.isSet("patience") ? positive(config, "patience") : base.patience(), scaling,
                    config.number("max_pos_weight"), seed);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("config: " + e.getMessage() + " (keys hidden, dropout, learning_rate, "
                    + "weight_decay, max_pos_weight)", e);
        }
    }

    private static LengthPolicy lengthPolicy(FinetuneConfig config) {
        int max = positive(config, "max_residues");
        return switch (config.choice("length_mode")) {
            case "truncate" -> LengthPolicy.truncate(max);
            case "error" -> LengthPolicy.error(max);
            default -> {
                try {
                    yield LengthPolicy.window(max, config.integer("window_overlap"));
                } catch (RuntimeException e) {
                    throw config.invalid("window_overlap", "an overlap in [0, max_residues) (" + e.getMessage()
                            + ")", e);
                }
            }
        };
    }

    private static int positive(FinetuneConfig config, String key) {
        int v = config.integer(key);
        if (v < 1) {
            throw config.invalid(key, "a whole number of at least 1", null);
        }
        return v;
    }
}
