package org.esm2j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Backends;
import org.esm2j.checkpoint.CanonicalWriter;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.Alphabet;
import org.esm2j.data.FastaReader;
import org.esm2j.data.FastaRecord;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.hub.DownloadListener;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;
import org.esm2j.train.Esm2Initialization;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.mlm.CompositionBaseline;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.Freezing;
import org.esm2j.train.optim.ParameterGroups;
import org.esm2j.train.run.MetricsLog;
import org.esm2j.train.run.TrainingCheckpoint;
import org.esm2j.train.run.TrainingExample;
import org.esm2j.train.run.TrainingRun;
import org.esm2j.train.run.TrainingSummary;
import org.esm2j.train.run.ValidationMetrics;
import org.esm2j.train.schedule.WarmupSchedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code esm2j train-mlm}: continued masked-LM training of an ESM-2 model, or one from a random initialisation. */
@Command(name = "train-mlm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Masked-LM training (ESM-2's 15%% selection, 80/10/10 corruption) on a FASTA file, with a "
            + "seeded 90/10 train/validation split, validation perplexity, metrics CSV/JSON and resumable "
            + "checkpoints in --out.",
            "With --batch, trains on one fixed batch instead (no masking of its own), to hold steps against PyTorch."},
        footer = {"", "Outputs in --out: metrics.csv, metrics.json, checkpoints/step-N/ (model, optimizer, state), "
            + "model.safetensors (the trained backbone, esm2j format) and split.tsv (which records validate)."})
public final class TrainMlmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Weights to continue from: a released name, .pt, Hugging Face folder or esm2j .safetensors.")
    String model;

    @Option(names = "--init-shape", paramLabel = "SHAPE",
            description = "Start from random weights of this shape instead: 8M, 35M, 150M, 650M or "
                    + "layers=L,dim=D,heads=H.")
    String initShape;

    @Option(names = "--init", paramLabel = "fair-esm|hf", defaultValue = "fair-esm",
            description = "Random initialisation for --init-shape: fair-esm (PyTorch defaults as fair-esm's ESM2 "
                    + "module gets them; embedding N(0,1)) or hf (Hugging Face's N(0, 0.02)). Default "
                    + "${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--offline", description = "Never download a released model.")
    boolean offline;

    @Option(names = {"-f", "--fasta"}, paramLabel = "FASTA", description = "Training sequences (plain or gzip).")
    Path fasta;

    @Option(names = "--val-fasta", paramLabel = "FASTA",
            description = "Validation sequences; without it a seeded --val-fraction of --fasta validates.")
    Path valFasta;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1",
            description = "Share of --fasta held out for validation (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--val-max", paramLabel = "N",
            description = "Validate during training on the first N sequences of the validation split only (the "
                    + "whole split is still evaluated at the end).")
    Integer valMax;

    @Option(names = "--batch", paramLabel = "B.safetensors",
            description = "Train on this fixed batch (mlm.tokens, mlm.targets) instead of --fasta.")
    Path batch;

    @Option(names = "--save-gradients", paramLabel = "G.safetensors",
            description = "With --batch: write the first step's gradients (fair-esm names).")
    Path saveGradients;

    @Option(names = "--save-parameters", paramLabel = "P.safetensors",
            description = "With --batch: write the parameters after the last step (fair-esm names).")
    Path saveParameters;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--unknown", paramLabel = "error|X|unk", defaultValue = "error",
            description = "Residues outside the vocabulary: error (default), X or unk.")
    String unknown;

    @Option(names = "--truncate", paramLabel = "N",
            description = "Keep the first N residues of longer sequences (without it a sequence over 1022 residues "
                    + "is an error).")
    Integer truncate;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (total, counting resumed ones).")
    Long steps;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs over the training split.")
    Long epochs;

    @Option(names = "--time-limit", paramLabel = "DURATION",
            description = "Stop after this wall time, e.g. 25m, 90s, 2h (a checkpoint is written).")
    String timeLimit;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "Sequences per micro-batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--accumulate", paramLabel = "N", defaultValue = "1",
            description = "Micro-batches per optimizer step (default ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-4", description = "Peak learning rate.")
    double lr;

    @Option(names = "--betas", paramLabel = "B1,B2", defaultValue = "0.9,0.999", split = ",",
            description = "AdamW betas (default ${DEFAULT-VALUE}).")
    double[] betas;

    @Option(names = "--eps", paramLabel = "EPS", defaultValue = "1e-8", description = "AdamW eps.")
    double eps;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0.01", description = "AdamW weight decay.")
    double weightDecay;

    @Option(names = "--weight-decay-all",
            description = "Decay every parameter (plain torch.optim.AdamW(model.parameters())); by default biases "
                    + "and LayerNorms are not decayed.")
    boolean weightDecayAll;

    @Option(names = "--clip-norm", paramLabel = "N", defaultValue = "0",
            description = "Global gradient-norm clipping (0 = off, the default).")
    double clipNorm;

    @Option(names = "--schedule", paramLabel = "constant|linear|cosine", defaultValue = "constant",
            description = "Decay after warmup (linear and cosine reach 0 at --steps).")
    String schedule;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "Linear warmup steps.")
    long warmup;

    @Option(names = "--freeze-layers", paramLabel = "N",
            description = "Freeze the embeddings and the bottom N blocks.")
    Integer freezeLayers;

    @Option(names = "--lora-rank", paramLabel = "R", description = "Train LoRA adapters of rank R instead.")
    Integer loraRank;

    @Option(names = "--lora-alpha", paramLabel = "A", defaultValue = "16", description = "LoRA alpha.")
    double loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0", description = "LoRA dropout.")
    double loraDropout;

    @Option(names = "--lora-targets", paramLabel = "T", split = ",", defaultValue = "query,value",
            description = "LoRA targets among query, key, value, dense (attention output), fc1, fc2.")
    List<String> loraTargets;

    @Option(names = "--validate-every", paramLabel = "N", defaultValue = "100",
            description = "Steps between validations (default ${DEFAULT-VALUE}).")
    int validateEvery;

    @Option(names = "--early-stopping", paramLabel = "PATIENCE",
            description = "Stop when validation loss has not improved for this many validations.")
    Integer patience;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "100",
            description = "Steps between checkpoints (default ${DEFAULT-VALUE}; one is also written at the end).")
    int checkpointEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "N", defaultValue = "2", description = "Checkpoints kept.")
    int keepCheckpoints;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in --out.")
    boolean resume;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seeds the split, shuffling, masking and initialisation.")
    long seed;

    @Option(names = "--recompute", description = "Recompute layer activations in backward (less memory).")
    boolean recompute;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all processors).")
    Integer threads;

    @Option(names = "--progress", negatable = true,
            description = "Show the status line on stderr (default: only when attached to a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws IOException {
        if (threads != null) {
            if (threads < 1) {
                throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
            }
            System.setProperty(ModelOptions.THREADS_PROPERTY, Integer.toString(threads));
        }
        checkOptions();
        PrintWriter err = spec.commandLine().getErr();
        Backend backend = Backends.select("cpu");
        if (batch != null) {
            return fixedBatch(err, backend);
        }
        List<TrainingExample> all = readExamples(fasta, "--fasta");
        List<TrainingExample> train;
        List<TrainingExample> validation;
        if (valFasta != null) {
            train = all;
            validation = readExamples(valFasta, "--val-fasta");
        } else {
            List<List<TrainingExample>> split = split(all);
            train = split.get(0);
            validation = split.get(1);
        }
        Files.createDirectories(out);
        writeSplit(validation);
        Esm2Weights weights = loadWeights(err);
        List<TrainingExample> periodic = valMax == null || valMax >= validation.size() ? validation
                : validation.subList(0, valMax);
        CompositionBaseline composition = new CompositionBaseline(tokens(train));
        double baseline = composition.perplexity(tokens(validation));
        double periodicBaseline = composition.perplexity(tokens(periodic));
        err.printf(Locale.ROOT, "%d training and %d validation sequences (%d validated during training); "
                + "composition-only baseline perplexity %.3f on the validation split, %.3f on the part validated "
                + "during training (uniform over 20 amino acids: 20)%n", train.size(), validation.size(),
                periodic.size(), baseline, periodicBaseline);
        Path checkpoints = out.resolve("checkpoints");
        long resumedStep = resume ? TrainingCheckpoint.latest(checkpoints).map(TrainMlmCommand::stepOf).orElse(0L)
                : 0;
        if (!resume && TrainingCheckpoint.latest(checkpoints).isPresent()) {
            throw new InvalidInputException("--out " + out + " already holds checkpoints; pass --resume to continue "
                    + "that run or choose another directory");
        }
        MetricsLog metrics = new MetricsLog(out, resumedStep, 50);
        metrics.put("composition_baseline_perplexity", baseline);
        metrics.put("periodic_validation_sequences", periodic.size());
        metrics.put("periodic_composition_baseline_perplexity", periodicBaseline);
        metrics.put("train_sequences", train.size());
        metrics.put("validation_sequences", validation.size());
        metrics.put("config", weights.config().toJson());
        long maxSteps = steps == null ? 0 : steps;
        boolean live = progress != null ? progress : System.console() != null;
        TrainingProgress bar = new TrainingProgress(err, live, maxSteps);
        TrainingRun.Builder b = TrainingRun.builder(weights)
                .backend(backend)
                .trainingData(train)
                .validationData(periodic)
                .batchSize(batchSize)
                .gradientAccumulation(accumulate)
                .adamW(lr, betas[0], betas[1], eps, weightDecay, weightDecayAll)
                .schedule(schedule(maxSteps))
                .clipNorm(clipNorm)
                .seed(seed)
                .recomputeLayers(recompute)
                .maxSteps(maxSteps)
                .maxEpochs(epochs == null ? 0 : epochs)
                .validateEvery(validateEvery, true)
                .checkpoints(checkpoints, checkpointEvery, keepCheckpoints, resume)
                .listener(metrics)
                .listener(bar);
        if (timeLimit != null) {
            b.timeLimit(parseDuration(timeLimit));
        }
        if (patience != null) {
            b.earlyStopping(patience, 0);
        }
        if (freezeLayers != null) {
            b.freeze(Freezing.embeddingsAndBottomLayers(freezeLayers));
        }
        if (loraRank != null) {
            b.lora(new LoraConfig(loraRank, loraAlpha, loraDropout, loraTargets()));
        }
        TrainingRun run = b.build();
        TrainingSummary summary;
        try {
            summary = run.run();
        } finally {
            bar.finish();
        }
        ValidationMetrics whole = run.evaluate(validation);
        err.printf(Locale.ROOT, "whole validation split (%d sequences, %d masked residues): loss %.4f, perplexity "
                + "%.3f; composition baseline %.3f%n", validation.size(), whole.scored(), whole.loss(),
                whole.perplexity(), baseline);
        metrics.put("final_validation", java.util.Map.of("step", whole.step(), "loss", whole.loss(),
                "perplexity", whole.perplexity(), "masked_residues", whole.scored()));
        metrics.flush();
        TrainableModel trained = run.model();
        if (trained.lora().isPresent()) {
            trained.mergeLora();
        }
        // No source digest: the trained weights come from no file, so the written file's own SHA-256 identifies
        // them when loaded (finetune and predict match predictors to base models by that digest).
        CanonicalWriter.write(new LoadedCheckpoint(trained.toWeights(), "esm2j train-mlm", null,
                LoadedCheckpoint.FORMAT_ESM2J), out.resolve("model.safetensors"), DType.F32);
        err.printf(Locale.ROOT, "stopped after step %d (%s) in %s%s; model in %s%n", summary.steps(),
                summary.reason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                ProgressBar.duration(summary.elapsedSeconds()),
                summary.bestValidation().map(v -> String.format(Locale.ROOT, ", best periodic validation perplexity "
                        + "%.3f at step %d (baseline %.3f)", v.perplexity(), v.step(), periodicBaseline)).orElse(""),
                out.resolve("model.safetensors"));
        err.flush();
        return 0;
    }

    private void checkOptions() {
        if ((model == null) == (initShape == null)) {
            throw new ParameterException(spec.commandLine(), "give exactly one of --model and --init-shape");
        }
        if (initShape != null) {
            ModelShape.parse(initShape); // a malformed shape is reported before any data is read
        }
        if (batch != null) {
            if (fasta != null || valFasta != null || resume) {
                throw new ParameterException(spec.commandLine(), "--batch trains on a fixed batch: it does not take "
                        + "--fasta, --val-fasta or --resume");
            }
            if (steps == null || steps < 1) {
                throw new ParameterException(spec.commandLine(), "--batch needs --steps N (N >= 1)");
            }
        } else {
            if (fasta == null) {
                throw new ParameterException(spec.commandLine(), "give --fasta (or --batch)");
            }
            if (saveGradients != null || saveParameters != null) {
                throw new ParameterException(spec.commandLine(), "--save-gradients and --save-parameters go with "
                        + "--batch");
            }
            if (steps == null && epochs == null && timeLimit == null && patience == null) {
                throw new ParameterException(spec.commandLine(), "give a stop condition: --steps, --epochs, "
                        + "--time-limit or --early-stopping");
            }
        }
        if (betas == null || betas.length != 2) {
            throw new ParameterException(spec.commandLine(), "--betas takes two numbers, e.g. 0.9,0.999");
        }
        if (valFasta == null && !(valFraction > 0 && valFraction < 1)) {
            throw new ParameterException(spec.commandLine(), "--val-fraction must be in (0, 1), got " + valFraction);
        }
        if (truncate != null && truncate < 1) {
            throw new ParameterException(spec.commandLine(), "--truncate must be at least 1, got " + truncate);
        }
        if (!(schedule.equals("constant") || schedule.equals("linear") || schedule.equals("cosine"))) {
            throw new ParameterException(spec.commandLine(), "--schedule must be constant, linear or cosine");
        }
        if (!schedule.equals("constant") && steps == null) {
            throw new ParameterException(spec.commandLine(), "--schedule " + schedule + " needs --steps");
        }
    }

    private Integer fixedBatch(PrintWriter err, Backend backend) throws IOException {
        FixedBatchTraining.Batch fixed = FixedBatchTraining.Batch.read(batch);
        Esm2Weights weights = loadWeights(err);
        for (int b = 0; b < fixed.sequences().size(); b++) {
            org.esm2j.backend.ForwardInputs.checkSequence(fixed.sequences().get(b), b, weights.config(), false);
        }
        TrainableModel m = TrainableModel.of(weights);
        AdamW adamW = new AdamW(m.layout(), weightDecayAll
                ? ParameterGroups.decayAll(m.layout(), lr, weightDecay)
                : ParameterGroups.noDecayOnBiasAndLayerNorm(m.layout(), lr, weightDecay), betas[0], betas[1], eps);
        Files.createDirectories(out);
        double[] losses = FixedBatchTraining.run(m, backend, adamW, fixed, Math.toIntExact(steps), clipNorm,
                saveGradients, saveParameters);
        for (int s = 0; s < losses.length; s++) {
            err.printf(Locale.ROOT, "step %d: loss %.9f%n", s + 1, losses[s]);
        }
        err.flush();
        return 0;
    }

    private Esm2Weights loadWeights(PrintWriter err) {
        if (initShape != null) {
            Esm2Config config = ModelShape.parse(initShape);
            Esm2Initialization how = switch (init) {
                case "fair-esm" -> Esm2Initialization.FAIR_ESM;
                case "hf" -> Esm2Initialization.HUGGING_FACE;
                default -> throw new ParameterException(spec.commandLine(), "--init must be fair-esm or hf, got '"
                        + init + "'");
            };
            err.printf(Locale.ROOT, "random %s initialisation of layers=%d, dim=%d, heads=%d (%,d parameters), "
                    + "seed %d%n", init, config.numLayers(), config.embedDim(), config.attentionHeads(),
                    config.parameterCount(), seed);
            return how.initialize(config, seed);
        }
        return ModelOptions.loadCheckpoint(model, offline, DownloadListener.NONE).weights();
    }

    private List<TrainingExample> readExamples(Path file, String option) {
        List<FastaRecord> records = FastaReader.read(file);
        if (records.isEmpty()) {
            throw new InvalidInputException(option + " " + file + " holds no sequences");
        }
        UnknownResiduePolicy policy = UnknownResiduePolicy.fromCliName(unknown);
        int limit = org.esm2j.data.LengthPolicy.DEFAULT_MAX_RESIDUES;
        List<TrainingExample> out = new ArrayList<>(records.size());
        for (FastaRecord r : records) {
            int[] residues = Alphabet.encode(r.sequence(), r.id(), policy);
            if (truncate != null && residues.length > truncate) {
                residues = java.util.Arrays.copyOf(residues, truncate);
            } else if (truncate == null && residues.length > limit) {
                throw new InvalidInputException("record '" + r.id() + "' in " + file + " has " + residues.length
                        + " residues, more than the model's " + limit + "; pass --truncate N to keep the first N");
            }
            out.add(TrainingExample.unlabelled(r.id(), Alphabet.frame(residues)));
        }
        return out;
    }

    /** A seeded random split: validation gets round(fraction n) records (at least one), training the rest. */
    private List<List<TrainingExample>> split(List<TrainingExample> all) {
        if (all.size() < 2) {
            throw new InvalidInputException("--fasta " + fasta + " has " + all.size() + " sequence; a train/"
                    + "validation split needs at least 2 (or pass --val-fasta)");
        }
        int[] order = new int[all.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SeededRandom random = new SeededRandom(seed ^ 0x3C6EF372FE94F82BL);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int nVal = (int) Math.max(1, Math.min(all.size() - 1, Math.round(valFraction * all.size())));
        boolean[] isVal = new boolean[all.size()];
        for (int i = 0; i < nVal; i++) {
            isVal[order[i]] = true;
        }
        List<TrainingExample> train = new ArrayList<>();
        List<TrainingExample> val = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            (isVal[i] ? val : train).add(all.get(i));
        }
        return List.of(train, val);
    }

    private void writeSplit(List<TrainingExample> validation) throws IOException {
        StringBuilder sb = new StringBuilder("record\tsplit\n");
        for (TrainingExample e : validation) {
            sb.append(e.id()).append("\tvalidation\n");
        }
        byte[] bytes = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.esm2j.io.AtomicFiles.write(out.resolve("split.tsv"), o -> o.write(bytes));
    }

    private static List<int[]> tokens(List<TrainingExample> examples) {
        List<int[]> out = new ArrayList<>(examples.size());
        for (TrainingExample e : examples) {
            out.add(e.tokens());
        }
        return out;
    }

    private org.esm2j.train.schedule.LrSchedule schedule(long maxSteps) {
        return switch (schedule) {
            case "linear" -> WarmupSchedule.linear(warmup, maxSteps);
            case "cosine" -> WarmupSchedule.cosine(warmup, maxSteps);
            default -> WarmupSchedule.constant(warmup);
        };
    }

    private Set<LoraTarget> loraTargets() {
        Set<LoraTarget> out = EnumSet.noneOf(LoraTarget.class);
        for (String t : loraTargets) {
            out.add(switch (t.trim()) {
                case "query", "q" -> LoraTarget.Q;
                case "key", "k" -> LoraTarget.K;
                case "value", "v" -> LoraTarget.V;
                case "dense", "o" -> LoraTarget.O;
                case "fc1" -> LoraTarget.FC1;
                case "fc2" -> LoraTarget.FC2;
                default -> throw new ParameterException(spec.commandLine(), "--lora-targets: unknown target '" + t
                        + "' (query, key, value, dense, fc1, fc2)");
            });
        }
        return out;
    }

    private static long stepOf(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring("step-".length()));
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("h")) {
                return Duration.ofMinutes(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("--time-limit '" + text + "': expected a number with h, m or s, e.g. 25m");
    }
}
