package org.esm2j.train.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backend;
import org.esm2j.model.Esm2Weights;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.GradientClipping;
import org.esm2j.train.optim.Optimizer;
import org.esm2j.train.optim.ParameterGroups;
import org.esm2j.train.schedule.EarlyStopping;
import org.esm2j.train.schedule.LrSchedule;
import org.esm2j.train.schedule.WarmupSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run: the loop that draws micro-batches, runs forward, loss and backward, accumulates, checks for
 * divergence, clips, steps the optimizer under a schedule, validates, stops early and writes checkpoints. Built with
 * {@link #builder}; {@link #run} trains until a stop condition holds.
 *
 * <p>Reproducibility: with the same seed, data and thread count, a run gives the same parameters bit for bit, and a
 * run resumed from one of its checkpoints ends exactly where the uninterrupted run ends: the checkpoint holds every
 * input of the steps after it (parameters, optimizer state with the current learning rates, random state, data
 * position, the trainer's forward-pass count, early-stopping state), and a schedule is a function of the step.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final long VALIDATION_SEED = 0x5EED_0F_7A11DL;

    private final Builder config;
    private final TrainableModel model;
    private final Optimizer optimizer;
    private final ShuffledBatches batches;
    private final SeededRandom random;
    private final EarlyStopping earlyStopping;
    private long step;
    private DataPosition position;
    private long restoredForwardPasses;
    private ValidationMetrics lastValidation;
    private ValidationMetrics bestValidation;

    private TrainingRun(Builder b) {
        this.config = b;
        for (TrainingExample e : b.train) {
            b.objective.validate(e);
        }
        for (TrainingExample e : b.validation) {
            b.objective.validate(e);
        }
        TrainableModel.Builder mb = TrainableModel.builder(b.weights).extend(b.objective::declare).freeze(b.frozen);
        if (b.lora != null) {
            mb.lora(b.lora, b.seed);
        }
        this.model = mb.build();
        this.random = new SeededRandom(b.seed);
        b.objective.initialize(model.layout(), model.parameters(), random);
        if (model.layout().trainable().isEmpty()) {
            throw new IllegalArgumentException("nothing to train: every parameter is frozen");
        }
        this.optimizer = b.optimizer.apply(model.layout());
        this.batches = new ShuffledBatches(b.train.size(), b.batchSize, b.seed ^ 0x6A09E667F3BCC909L);
        this.earlyStopping = b.earlyStoppingPatience > 0
                ? new EarlyStopping(org.esm2j.train.schedule.MetricMode.MIN, b.earlyStoppingPatience,
                        b.earlyStoppingMinDelta)
                : null;
        this.position = new DataPosition(0, 0, batches.shuffleSeed());
        if (b.resume && b.checkpoints != null) {
            Optional<Path> latest = TrainingCheckpoint.latest(b.checkpoints);
            if (latest.isPresent()) {
                CheckpointState s = TrainingCheckpoint.restore(latest.get(), model, optimizer);
                if (s.position().shuffleSeed() != batches.shuffleSeed()) {
                    throw new IllegalArgumentException("checkpoint " + latest.get() + " was written with another "
                            + "seed (shuffle seed " + s.position().shuffleSeed() + ", this run "
                            + batches.shuffleSeed() + ")");
                }
                step = s.step();
                position = s.position();
                random.setState(s.randomState());
                restoredForwardPasses = s.forwardPasses();
                if (earlyStopping != null && !s.earlyStopping().isEmpty()) {
                    earlyStopping.importState(s.earlyStopping());
                }
                LOG.info("resumed from {} at step {}", latest.get(), step);
            }
        }
    }

    public static Builder builder(Esm2Weights weights) {
        return new Builder(weights);
    }

    public TrainableModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Optimizer steps done so far (those of the checkpoint a resumed run started from included). */
    public long step() {
        return step;
    }

    /** Trains until a stop condition holds; writes a final checkpoint when checkpoints are on. */
    public TrainingSummary run() {
        long start = System.nanoTime();
        StopReason reason;
        try (Esm2Trainer trainer = config.backend.trainer(model, new TrainerOptions(config.recompute, config.seed))) {
            trainer.restoreForwardPasses(restoredForwardPasses);
            if (config.validateAtStart && step == 0 && !config.validation.isEmpty()) {
                ValidationMetrics v = validate(trainer, start);
                if (earlyStopping != null) {
                    earlyStopping.update(v.loss()); // the starting point is the first result to improve on
                }
            }
            while (true) {
                reason = stopBefore(start);
                if (reason != null) {
                    break;
                }
                trainStep(trainer, start);
                boolean stop = false;
                if (config.validateEvery > 0 && step % config.validateEvery == 0 && !config.validation.isEmpty()) {
                    ValidationMetrics v = validate(trainer, start);
                    stop = earlyStopping != null && earlyStopping.update(v.loss());
                }
                if (config.checkpoints != null && config.checkpointEvery > 0 && step % config.checkpointEvery == 0) {
                    checkpoint(trainer);
                }
                if (stop) {
                    reason = StopReason.EARLY_STOPPING;
                    break;
                }
            }
            if (config.checkpoints != null && (config.checkpointEvery <= 0 || step % config.checkpointEvery != 0)) {
                checkpoint(trainer);
            }
        }
        TrainingSummary summary = new TrainingSummary(step, reason, Optional.ofNullable(lastValidation),
                Optional.ofNullable(bestValidation), seconds(start));
        for (TrainingListener l : config.listeners) {
            l.onFinish(summary);
        }
        return summary;
    }

    /**
     * The objective's loss over {@code examples} as a validation pass computes it (fixed corruption seed, dropout off),
     * with the current parameters; for a final evaluation on a larger set than the periodic one. No listener hears it.
     */
    public ValidationMetrics evaluate(List<TrainingExample> examples) {
        for (TrainingExample e : examples) {
            config.objective.validate(e);
        }
        long start = System.nanoTime();
        try (Esm2Trainer trainer = config.backend.trainer(model, new TrainerOptions(config.recompute, config.seed))) {
            return measure(trainer, examples, start);
        } finally {
            model.zeroGradients();
        }
    }

    private StopReason stopBefore(long start) {
        if (config.maxSteps > 0 && step >= config.maxSteps) {
            return StopReason.MAX_STEPS;
        }
        if (config.maxEpochs > 0 && position.epoch() >= config.maxEpochs) {
            return StopReason.MAX_EPOCHS;
        }
        if (config.timeLimit != null && System.nanoTime() - start >= config.timeLimit.toNanos()) {
            return StopReason.TIME_LIMIT;
        }
        return null;
    }

    private void trainStep(Esm2Trainer trainer, long runStart) {
        long stepStart = System.nanoTime();
        long thisStep = step + 1;
        config.objective.setTraining(true);
        model.zeroGradients();
        double loss = 0;
        long tokens = 0;
        long epoch = position.epoch();
        for (int micro = 0; micro < config.accumulation; micro++) {
            epoch = position.epoch();
            List<TrainingExample> batch = examples(config.train, batches.batch(position));
            position = batches.next(position);
            TrainingObjective.Prepared prepared = config.objective.prepare(batch, random);
            PackedRepresentation repr = trainer.forward(prepared.inputs());
            tokens += repr.tokens();
            loss += config.objective.loss(trainer, repr, prepared);
            trainer.backward();
        }
        ParameterLayout layout = model.layout();
        float[] grads = model.gradients();
        if (config.accumulation > 1) {
            // the mean of the micro-batch losses, as Hugging Face's Trainer divides each by the accumulation steps
            loss /= config.accumulation;
            float scale = 1f / config.accumulation;
            for (ParameterEntry e : layout.trainable()) {
                for (int i = e.offset(), end = e.end(); i < end; i++) {
                    grads[i] *= scale;
                }
            }
        }
        double norm = GradientClipping.globalNorm(layout, grads);
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            throw diverged(thisStep, loss);
        }
        config.schedule.apply(optimizer);
        if (config.clipNorm > 0) {
            GradientClipping.clipGlobalNorm(layout, grads, config.clipNorm);
        }
        double lr = optimizer.learningRate(0);
        optimizer.step(model.parameters(), grads);
        step = thisStep;
        double stepSeconds = (System.nanoTime() - stepStart) / 1e9;
        StepMetrics m = new StepMetrics(step, epoch, loss, lr, norm, tokens, tokens / stepSeconds, seconds(runStart),
                ResidentMemory.bytes());
        for (TrainingListener l : config.listeners) {
            l.onStep(m);
        }
    }

    private TrainingDivergedException diverged(long thisStep, double loss) {
        float[] grads = model.gradients();
        for (ParameterEntry e : model.layout().trainable()) {
            for (int i = e.offset(), end = e.end(); i < end; i++) {
                if (!Float.isFinite(grads[i])) {
                    int[] index = unravel(e.shape(), i - e.offset());
                    return new TrainingDivergedException(thisStep, e.name(), "training diverged at step " + thisStep
                            + ": the gradient of '" + e.name() + "' is " + grads[i] + " at index "
                            + java.util.Arrays.toString(index) + " (loss " + loss + "); try a lower learning rate or "
                            + "gradient clipping");
                }
            }
        }
        return new TrainingDivergedException(thisStep, "loss", "training diverged at step " + thisStep
                + ": the loss is " + loss + " while every gradient is finite; try a lower learning rate");
    }

    private static int[] unravel(long[] shape, int flat) {
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = (int) (flat % shape[d]);
            flat /= (int) shape[d];
        }
        return index;
    }

    /**
     * The objective's loss over the whole validation set, weighted by scored items, with a fixed corruption seed (the
     * same masks on every pass) and head dropout off. The gradients it leaves behind are cleared by the next step.
     */
    private ValidationMetrics validate(Esm2Trainer trainer, long runStart) {
        ValidationMetrics v = measure(trainer, config.validation, runStart);
        lastValidation = v;
        if (bestValidation == null || v.loss() < bestValidation.loss()) {
            bestValidation = v;
        }
        for (TrainingListener l : config.listeners) {
            l.onValidation(v);
        }
        return v;
    }

    private ValidationMetrics measure(Esm2Trainer trainer, List<TrainingExample> examples, long runStart) {
        config.objective.setTraining(false);
        SeededRandom validationRandom = new SeededRandom(VALIDATION_SEED);
        double weighted = 0;
        long scored = 0;
        for (int from = 0; from < examples.size(); from += config.batchSize) {
            List<TrainingExample> batch = examples.subList(from, Math.min(examples.size(), from + config.batchSize));
            TrainingObjective.Prepared prepared = config.objective.prepare(batch, validationRandom);
            long n = config.objective.scored(prepared);
            if (n == 0) {
                continue;
            }
            PackedRepresentation repr = trainer.forward(prepared.inputs());
            weighted += config.objective.loss(trainer, repr, prepared) * n;
            scored += n;
        }
        config.objective.setTraining(true);
        return new ValidationMetrics(step, scored == 0 ? Double.NaN : weighted / scored, scored, seconds(runStart));
    }

    private void checkpoint(Esm2Trainer trainer) {
        Map<String, Double> stopping = earlyStopping == null ? Map.of() : earlyStopping.exportState();
        CheckpointState s = new CheckpointState(step, position, random.state(), trainer.forwardPasses(), stopping);
        Path dir = TrainingCheckpoint.write(config.checkpoints, model, optimizer, s, config.keepCheckpoints);
        for (TrainingListener l : config.listeners) {
            l.onCheckpoint(step, dir);
        }
    }

    private static List<TrainingExample> examples(List<TrainingExample> all, int[] indices) {
        List<TrainingExample> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(all.get(i));
        }
        return out;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** Everything a run needs; only the weights, the backend and the training data are required. */
    public static final class Builder {
        private final Esm2Weights weights;
        private Backend backend;
        private TrainingObjective objective = new MaskedLmObjective();
        private Function<ParameterLayout, Optimizer> optimizer =
                layout -> new AdamW(layout, ParameterGroups.noDecayOnBiasAndLayerNorm(layout, 1e-4, 0.01));
        private LrSchedule schedule = WarmupSchedule.constant();
        private LoraConfig lora;
        private Predicate<String> frozen = name -> false;
        private List<TrainingExample> train = List.of();
        private List<TrainingExample> validation = List.of();
        private int batchSize = 8;
        private int accumulation = 1;
        private double clipNorm;
        private long seed;
        private boolean recompute;
        private long maxSteps;
        private long maxEpochs;
        private Duration timeLimit;
        private int validateEvery;
        private boolean validateAtStart;
        private int earlyStoppingPatience;
        private double earlyStoppingMinDelta;
        private Path checkpoints;
        private int checkpointEvery;
        private int keepCheckpoints = 2;
        private boolean resume;
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder(Esm2Weights weights) {
            this.weights = Objects.requireNonNull(weights, "weights");
        }

        /** Where the steps run (e.g. {@code new CpuBackend()} or {@code Backends.select("cpu")}). */
        public Builder backend(Backend backend) {
            this.backend = backend;
            return this;
        }

        /** The loss and any head (default: {@link MaskedLmObjective}). */
        public Builder objective(TrainingObjective objective) {
            this.objective = objective;
            return this;
        }

        /**
         * The optimizer over the built model's layout (default: AdamW, lr 1e-4, weight decay 0.01 except on biases
         * and LayerNorm, torch's betas and eps).
         */
        public Builder optimizer(Function<ParameterLayout, Optimizer> optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** {@code torch.optim.AdamW}; {@code decayAll} decays every parameter, else not biases and LayerNorms. */
        public Builder adamW(double lr, double beta1, double beta2, double eps, double weightDecay,
                boolean decayAll) {
            return optimizer(layout -> new AdamW(layout, decayAll
                    ? ParameterGroups.decayAll(layout, lr, weightDecay)
                    : ParameterGroups.noDecayOnBiasAndLayerNorm(layout, lr, weightDecay), beta1, beta2, eps));
        }

        /** A factor of the base learning rate per step (default: constant). */
        public Builder schedule(LrSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** LoRA adapters (the backbone is then frozen); adapters are initialised from the run's seed. */
        public Builder lora(LoraConfig lora) {
            this.lora = lora;
            return this;
        }

        /** Freezes the matching entries (see {@code org.esm2j.train.optim.Freezing}); adds to earlier calls. */
        public Builder freeze(Predicate<String> names) {
            this.frozen = frozen.or(names);
            return this;
        }

        public Builder trainingData(List<TrainingExample> examples) {
            this.train = List.copyOf(examples);
            return this;
        }

        public Builder validationData(List<TrainingExample> examples) {
            this.validation = List.copyOf(examples);
            return this;
        }

        /** Sequences per micro-batch (default 8). */
        public Builder batchSize(int sequences) {
            this.batchSize = sequences;
            return this;
        }

        /** Micro-batches per optimizer step (default 1); the step's gradient is their mean. */
        public Builder gradientAccumulation(int microBatches) {
            this.accumulation = microBatches;
            return this;
        }

        /** Global-norm gradient clipping at {@code maxNorm} (default off). */
        public Builder clipNorm(double maxNorm) {
            this.clipNorm = maxNorm;
            return this;
        }

        /** Seeds the shuffling, masking, head initialisation and dropout. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Per-layer activation recomputation (less memory, same gradients). */
        public Builder recomputeLayers(boolean recompute) {
            this.recompute = recompute;
            return this;
        }

        public Builder maxSteps(long steps) {
            this.maxSteps = steps;
            return this;
        }

        public Builder maxEpochs(long epochs) {
            this.maxEpochs = epochs;
            return this;
        }

        /** Stops after the step that crosses this wall time (counted from {@link #run}). */
        public Builder timeLimit(Duration limit) {
            this.timeLimit = limit;
            return this;
        }

        /** Validates every {@code steps} optimizer steps, and before the first step when {@code atStart}. */
        public Builder validateEvery(int steps, boolean atStart) {
            this.validateEvery = steps;
            this.validateAtStart = atStart;
            return this;
        }

        /** Stops when the validation loss has not improved by more than {@code minDelta} for {@code patience} passes. */
        public Builder earlyStopping(int patience, double minDelta) {
            this.earlyStoppingPatience = patience;
            this.earlyStoppingMinDelta = minDelta;
            return this;
        }

        /**
         * Writes a checkpoint into {@code directory} every {@code everySteps} steps and at the end, keeping the newest
         * {@code keep}; with {@code resume}, the run continues from the newest one found there.
         */
        public Builder checkpoints(Path directory, int everySteps, int keep, boolean resume) {
            this.checkpoints = directory;
            this.checkpointEvery = everySteps;
            this.keepCheckpoints = keep;
            this.resume = resume;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            listeners.add(Objects.requireNonNull(listener));
            return this;
        }

        /**
         * Checks the configuration and every example against the objective (an {@link InvalidInputException} naming
         * the first bad one), builds the model and optimizer, and restores the newest checkpoint when resuming.
         */
        public TrainingRun build() {
            if (backend == null) {
                throw new IllegalArgumentException("no backend: call backend(...)");
            }
            if (train.isEmpty()) {
                throw new InvalidInputException("no training examples");
            }
            if (batchSize < 1 || accumulation < 1) {
                throw new IllegalArgumentException("batch size and gradient accumulation must be >= 1: " + batchSize
                        + ", " + accumulation);
            }
            if (maxSteps <= 0 && maxEpochs <= 0 && timeLimit == null && earlyStoppingPatience <= 0) {
                throw new IllegalArgumentException("no stop condition: set max steps, max epochs, a time limit or "
                        + "early stopping");
            }
            if (earlyStoppingPatience > 0 && (validateEvery <= 0 || validation.isEmpty())) {
                throw new IllegalArgumentException("early stopping needs validation data and validateEvery > 0");
            }
            if (!(clipNorm >= 0)) {
                throw new IllegalArgumentException("clip norm must be >= 0 (0 = off): " + clipNorm);
            }
            return new TrainingRun(this);
        }
    }
}
