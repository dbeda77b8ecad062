package org.esm2j.function.finetune;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backends;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.Alphabet;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.function.predictor.PredictorBackbone;
import org.esm2j.function.probe.FeedForwardProbe;
import org.esm2j.function.probe.ProbeTrainer;
import org.esm2j.model.Esm2Config;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.head.MeanPooling;
import org.esm2j.train.head.MlpHead;
import org.esm2j.train.head.SequenceClassifier;
import org.esm2j.train.loss.PosWeights;
import org.esm2j.train.lora.PeftAdapter;
import org.esm2j.train.lora.PeftBaseModel;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.Freezing;
import org.esm2j.train.optim.ParameterGroups;
import org.esm2j.train.run.MultiLabelClassificationObjective;
import org.esm2j.train.run.StepMetrics;
import org.esm2j.train.run.TrainingExample;
import org.esm2j.train.run.TrainingListener;
import org.esm2j.train.run.TrainingRun;
import org.esm2j.train.run.TrainingSummary;
import org.esm2j.train.run.ValidationMetrics;
import org.esm2j.train.schedule.LrSchedule;
import org.esm2j.train.schedule.WarmupSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Modes {@code finetune} and {@code lora}: the ESM-2 backbone trained together with a sequence-level multi-label head
 * through the training engine ({@link TrainingRun}). The head is Hugging Face's EsmClassificationHead
 * ({@code classifier.dense}, tanh, {@code classifier.out_proj}, hidden size D) on the mean of the final
 * representation over residues, trained with BCE with logits (optional pos_weight from the training labels); the
 * optimizer is AdamW with one learning rate for the backbone (or the adapters) and another for the head, no weight
 * decay on biases and LayerNorms, warmup then constant, linear or cosine decay, and global-norm clipping.
 *
 * <p>Once per epoch the validation part's loss is measured; training stops after {@code patience} epochs without a
 * lower one, and the weights of the epoch with the lowest validation loss are kept (not the last). Under LoRA the
 * training engine applies adapter dropout in validation passes too (its masks are fixed by the seed and the pass), so
 * that loss carries a little of the dropout's noise. Without a validation part the last weights are kept.
 *
 * <p>Training and validation sequences longer than {@code train_max_residues} are cropped to one window of that
 * length, placed at random once per protein from the seed; scoring afterwards (thresholds, test, {@code predict})
 * reads whole sequences under the length policy. A run is reproducible bit for bit for the same seed and thread count.
 */
final class BackboneFineTuning {
    private static final Logger LOG = LoggerFactory.getLogger(BackboneFineTuning.class);
    private static final String HEAD_PREFIX = "classifier";
    /** The longest input the model takes is 1024 tokens: 1022 residues between {@code <cls>} and {@code <eos>}. */
    private static final int MAX_MODEL_RESIDUES = LengthPolicy.DEFAULT_MAX_RESIDUES;

    /**
     * Everything a backbone run needs from the config, checked before any data or model is read.
     *
     * @param lora the adapters (null for full fine-tuning)
     * @param posWeight null for plain BCE
     */
    record Settings(String mode, double learningRate, double headLearningRate, double weightDecay, int batchSize,
            int accumulation, int maxEpochs, long maxSteps, int patience, String schedule, int warmupSteps,
            double clipNorm, int trainMaxResidues, int freezeLayers, double dropout, LoraConfig lora,
            PosWeights.Scaling posWeight, double maxPosWeight, long seed) {

        static Settings of(FinetuneConfig config, String mode) {
            boolean lora = mode.equals("lora");
            double lr = config.isSet("learning_rate") ? config.number("learning_rate") : lora ? 1e-3 : 1e-4;
            requirePositive(config, "learning_rate", lr);
            double headLr = config.number("head_learning_rate");
            requirePositive(config, "head_learning_rate", headLr);
            double weightDecay = config.number("weight_decay");
            if (weightDecay < 0) {
                throw config.invalid("weight_decay", "a number >= 0", null);
            }
            int maxEpochs = config.isSet("max_epochs") ? atLeast(config, "max_epochs", 1) : 20;
            int patience = config.isSet("patience") ? atLeast(config, "patience", 1) : 3;
            int trainMax = atLeast(config, "train_max_residues", 1);
            if (trainMax > MAX_MODEL_RESIDUES) {
                throw config.invalid("train_max_residues", "at most " + MAX_MODEL_RESIDUES + " (the model reads "
                        + "1024 tokens)", null);
            }
            double clip = config.number("clip_norm");
            if (clip < 0) {
                throw config.invalid("clip_norm", "a number >= 0 (0: off)", null);
            }
            double dropout = config.number("dropout");
            if (!(dropout >= 0 && dropout < 1)) {
                throw config.invalid("dropout", "a probability in [0, 1)", null);
            }
            int freeze = atLeast(config, "freeze_layers", 0);
            if (lora && freeze > 0) {
                throw config.invalid("freeze_layers", "0 with mode lora (LoRA freezes the whole backbone)", null);
            }
            double maxPosWeight = config.number("max_pos_weight");
            String posWeight = config.choice("pos_weight");
            PosWeights.Scaling scaling = posWeight.equals("none") ? null
                    : PosWeights.Scaling.valueOf(posWeight.toUpperCase(Locale.ROOT));
            if (scaling != null && !(maxPosWeight > 0)) {
                throw config.invalid("max_pos_weight", "a number > 0", null);
            }
            return new Settings(mode, lr, headLr, weightDecay, atLeast(config, "batch_size", 1),
                    atLeast(config, "gradient_accumulation", 1), maxEpochs, atLeast(config, "max_steps", 0), patience,
                    config.choice("lr_schedule"), atLeast(config, "warmup_steps", 0), clip, trainMax, freeze,
                    dropout, lora ? loraConfig(config) : null, scaling, maxPosWeight, config.integer("seed"));
        }

        private static LoraConfig loraConfig(FinetuneConfig config) {
            int r = atLeast(config, "lora_r", 1);
            double alpha = config.number("lora_alpha");
            requirePositive(config, "lora_alpha", alpha);
            double dropout = config.number("lora_dropout");
            if (!(dropout >= 0 && dropout < 1)) {
                throw config.invalid("lora_dropout", "a probability in [0, 1)", null);
            }
            Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
            for (String t : config.text("lora_targets").split(",", -1)) {
                targets.add(switch (t.strip().toLowerCase(Locale.ROOT)) {
                    case "query", "q" -> LoraTarget.Q;
                    case "key", "k" -> LoraTarget.K;
                    case "value", "v" -> LoraTarget.V;
                    case "dense", "o" -> LoraTarget.O;
                    case "fc1" -> LoraTarget.FC1;
                    case "fc2" -> LoraTarget.FC2;
                    default -> throw config.invalid("lora_targets", "a comma-separated list of query, key, value, "
                            + "dense, fc1, fc2 (unknown target '" + t.strip() + "')", null);
                });
            }
            return new LoraConfig(r, alpha, dropout, targets);
        }

        /** What the head was trained with, for the predictor's record. */
        Map<String, Object> record(int trainedEpochs, int bestEpoch) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode);
            m.put("pooling", "mean");
            m.put("learning_rate", learningRate);
            m.put("head_learning_rate", headLearningRate);
            m.put("weight_decay", weightDecay);
            m.put("batch_size", batchSize);
            m.put("gradient_accumulation", accumulation);
            m.put("schedule", schedule);
            m.put("warmup_steps", warmupSteps);
            m.put("clip_norm", clipNorm);
            m.put("train_max_residues", trainMaxResidues);
            m.put("dropout", dropout);
            m.put("pos_weight", posWeight == null ? "none" : posWeight.name().toLowerCase(Locale.ROOT));
            m.put("epochs", trainedEpochs);
            m.put("best_epoch", bestEpoch);
            if (lora != null) {
                m.put("lora_r", lora.rank());
                m.put("lora_alpha", lora.alpha());
                m.put("lora_dropout", lora.dropout());
            } else {
                m.put("freeze_layers", freezeLayers);
            }
            m.put("seed", seed);
            return m;
        }
    }

    /**
     * The trained network.
     *
     * @param head the head on the backbone's mean final representation
     * @param backbone the fine-tuned backbone or the adapters
     * @param history per-epoch training and validation loss (empty without a validation part)
     * @param bestEpoch the epoch whose weights were kept (0: the last weights, no validation)
     */
    record Trained(FeedForwardProbe head, PredictorBackbone backbone, List<ProbeTrainer.Epoch> history,
            int bestEpoch) {
    }

    private BackboneFineTuning() {
    }

    static Trained train(Settings s, FinetuneData data, LoadedCheckpoint checkpoint, FinetuneRun.Listener listener) {
        Esm2Config shape = checkpoint.weights().config();
        if (s.freezeLayers() > shape.numLayers()) {
            throw new InvalidInputException("config key 'freeze_layers' is " + s.freezeLayers() + " but the model "
                    + "has " + shape.numLayers() + " layers");
        }
        int terms = data.vocabulary().size();
        int dim = shape.embedDim();
        List<TrainingExample> train = examples(data.train(), s.trainMaxResidues(), s.seed());
        List<TrainingExample> valid = examples(data.valid(), s.trainMaxResidues(), s.seed() + 1);
        float[] posWeight = s.posWeight() == null ? null
                : PosWeights.fromLabels(flatLabels(train, terms), train.size(), terms, s.posWeight(),
                        s.maxPosWeight());
        SequenceClassifier classifier = new SequenceClassifier(new MeanPooling(), new MlpHead(HEAD_PREFIX, dim, dim,
                terms, s.dropout(), new SeededRandom(s.seed() ^ 0x5851F42D4C957F2DL)));
        int microBatches = (train.size() + s.batchSize() - 1) / s.batchSize();
        int stepsPerEpoch = (microBatches + s.accumulation() - 1) / s.accumulation();
        long totalSteps = (long) s.maxEpochs() * stepsPerEpoch;
        if (s.maxSteps() > 0) {
            totalSteps = Math.min(totalSteps, s.maxSteps());
        }
        BestWeights best = new BestWeights(listener);
        TrainingRun.Builder b = TrainingRun.builder(checkpoint.weights())
                .backend(Backends.select("cpu"))
                .objective(new MultiLabelClassificationObjective(classifier, posWeight))
                .trainingData(train)
                .batchSize(s.batchSize())
                .gradientAccumulation(s.accumulation())
                .optimizer(layout -> new AdamW(layout, ParameterGroups.builder(s.learningRate(), s.weightDecay())
                        .noDecayOnBiasAndLayerNorm().head(name -> name.startsWith(HEAD_PREFIX + "."))
                        .headLearningRate(s.headLearningRate()).build(layout)))
                .schedule(schedule(s, totalSteps))
                .clipNorm(s.clipNorm())
                .seed(s.seed())
                .maxEpochs(s.maxEpochs())
                .listener(best);
        if (s.maxSteps() > 0) {
            b.maxSteps(s.maxSteps());
        }
        if (!valid.isEmpty()) {
            b.validationData(valid).validateEvery(stepsPerEpoch, false).earlyStopping(s.patience(), 0);
        } else {
            LOG.warn("no validation proteins: no early stopping, the last weights are kept");
        }
        if (s.lora() != null) {
            b.lora(s.lora());
        } else if (s.freezeLayers() > 0) {
            b.freeze(Freezing.embeddingsAndBottomLayers(s.freezeLayers()));
        }
        TrainingRun run = b.build();
        best.watch(run.model());
        LOG.info("{}: {} training, {} validation proteins, {} steps per epoch, at most {} steps", s.mode(),
                train.size(), valid.size(), stepsPerEpoch, totalSteps);
        TrainingSummary summary = run.run();
        best.restore();
        LOG.info("{}: stopped after {} steps ({}); kept epoch {}", s.mode(), summary.steps(), summary.reason(),
                best.bestEpoch);
        return result(s, run.model(), checkpoint, best);
    }

    private static Trained result(Settings s, TrainableModel model, LoadedCheckpoint checkpoint, BestWeights best) {
        ParameterLayout layout = model.layout();
        Map<String, Tensor> headTensors = new LinkedHashMap<>();
        for (String name : PeftBaseModel.SEQUENCE_CLASSIFICATION.headTensors()) {
            headTensors.put(name, Tensor.ofFloats(model.values(name), layout.entry(name).shape()));
        }
        FeedForwardProbe head = FeedForwardProbe.unstandardised(FeedForwardProbe.MLP, headTensors,
                s.record(best.history.size(), best.bestEpoch));
        PredictorBackbone backbone = s.lora() == null ? new PredictorBackbone.FullyFineTuned(model.toWeights())
                : new PredictorBackbone.Lora(PeftAdapter.of(model, PeftBaseModel.SEQUENCE_CLASSIFICATION,
                        checkpoint.sourceName()));
        return new Trained(head, backbone, List.copyOf(best.history), best.bestEpoch);
    }

    private static LrSchedule schedule(Settings s, long totalSteps) {
        if (s.schedule().equals("constant")) {
            return WarmupSchedule.constant(s.warmupSteps());
        }
        if (s.warmupSteps() > totalSteps) {
            throw new InvalidInputException("config key 'warmup_steps' is " + s.warmupSteps() + " but training "
                    + "runs at most " + totalSteps + " steps");
        }
        return s.schedule().equals("cosine") ? WarmupSchedule.cosine(s.warmupSteps(), totalSteps)
                : WarmupSchedule.linear(s.warmupSteps(), totalSteps);
    }

    /**
     * One example per protein: its residues (unknown ones read as X, as at prediction time), cropped to a window of
     * {@code maxResidues} placed at random from {@code seed}, framed; its labels as 0/1.
     */
    static List<TrainingExample> examples(FinetuneData.Part part, int maxResidues, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<TrainingExample> out = new ArrayList<>(part.size());
        for (int i = 0; i < part.size(); i++) {
            String id = part.ids().get(i);
            int[] residues = Alphabet.encode(part.sequences().get(i), id, UnknownResiduePolicy.MAP_TO_X);
            if (residues.length > maxResidues) {
                int start = random.nextInt(residues.length - maxResidues + 1);
                residues = java.util.Arrays.copyOfRange(residues, start, start + maxResidues);
            }
            boolean[] row = part.labels()[i];
            float[] labels = new float[row.length];
            for (int t = 0; t < row.length; t++) {
                labels[t] = row[t] ? 1f : 0f;
            }
            out.add(new TrainingExample(id, Alphabet.frame(residues), labels));
        }
        return out;
    }

    private static float[] flatLabels(List<TrainingExample> examples, int terms) {
        float[] flat = new float[examples.size() * terms];
        for (int i = 0; i < examples.size(); i++) {
            System.arraycopy(examples.get(i).labels(), 0, flat, i * terms, terms);
        }
        return flat;
    }

    private static int atLeast(FinetuneConfig config, String key, int min) {
        int v = config.integer(key);
        if (v < min) {
            throw config.invalid(key, "a whole number of at least " + min, null);
        }
        return v;
    }

    private static void requirePositive(FinetuneConfig config, String key, double value) {
        if (!(value > 0)) {
            throw config.invalid(key, "a number > 0", null);
        }
    }

    /**
     * Keeps a copy of the trainable tensors at the lowest validation loss and the per-epoch curve; one validation
     * pass per epoch, so the n-th pass closes epoch n.
     */
    private static final class BestWeights implements TrainingListener {
        private final FinetuneRun.Listener listener;
        private final List<ProbeTrainer.Epoch> history = new ArrayList<>();
        private TrainableModel model;
        private float[] best;
        private double bestLoss = Double.POSITIVE_INFINITY;
        private int bestEpoch;
        private double lossSum;
        private int lossSteps;

        BestWeights(FinetuneRun.Listener listener) {
            this.listener = listener;
        }

        void watch(TrainableModel trained) {
            this.model = trained;
        }

        @Override
        public void onStep(StepMetrics m) {
            lossSum += m.loss();
            lossSteps++;
        }

        @Override
        public void onValidation(ValidationMetrics v) {
            ProbeTrainer.Epoch epoch = new ProbeTrainer.Epoch(history.size() + 1, lossSum / Math.max(1, lossSteps),
                    v.loss());
            history.add(epoch);
            lossSum = 0;
            lossSteps = 0;
            if (v.loss() < bestLoss) {
                bestLoss = v.loss();
                bestEpoch = epoch.epoch();
                best = copyTrainable(best);
            }
            LOG.debug("epoch {}: training loss {}, validation loss {}", epoch.epoch(), epoch.trainLoss(),
                    epoch.validationLoss());
            listener.epochFinished(epoch, bestEpoch);
        }

        private float[] copyTrainable(float[] into) {
            ParameterLayout layout = model.layout();
            int total = layout.trainable().stream().mapToInt(ParameterEntry::length).sum();
            float[] out = into == null ? new float[total] : into;
            int at = 0;
            for (ParameterEntry e : layout.trainable()) {
                System.arraycopy(model.parameters(), e.offset(), out, at, e.length());
                at += e.length();
            }
            return out;
        }

        /** Puts the best epoch's tensors back into the model (nothing without a validation pass). */
        void restore() {
            if (best == null) {
                return;
            }
            int at = 0;
            for (ParameterEntry e : model.layout().trainable()) {
                System.arraycopy(best, at, model.parameters(), e.offset(), e.length());
                at += e.length();
            }
        }
    }
}
