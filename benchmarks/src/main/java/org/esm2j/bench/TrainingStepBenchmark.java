package org.esm2j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.esm2j.backend.Backends;
import org.esm2j.data.Alphabet;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.esm2j.train.loss.CrossEntropyLoss;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.GradientClipping;
import org.esm2j.train.optim.ParameterGroups;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One masked-LM training step on the CPU (forward, tied LM head and loss on the 15% selected positions, backward,
 * global-norm clipping at 1.0, AdamW) on random weights of the esm2_t6_8M / esm2_t12_35M shapes, full fine-tuning or
 * LoRA r = 8 on q and v, as the PyTorch peer's training step. One op is one step over a fixed batch of full-length
 * sequences; tokens/s = ops/s x B x T. Threads: {@code -Desm2j.threads} (default all processors). With
 * {@code -Desm2j.peakRssFile=FILE} each fork appends its peak RSS ({@link PeakRss}) to FILE at the end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// The serial collector with an 8 MB young generation: a training step allocates tens of KB (JMH -prof gc), so a larger
// young generation only adds resident memory: at 8 x 128, G1's default sizing measured 950 MiB peak RSS, -Xmn32m 375
// and -Xmn8m 18 MiB less. README's training section gives users the same options.
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xmx4g", "-XX:+UseSerialGC", "-Xmn8m"})
// Three warm-up iterations: at the 35M shape on 4 x 512 a step takes 2-4 s, and after two C2 had not yet compiled
// every kernel (the first measured iteration still allocated 20 MB per step, the next ones 0.3).
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 3, time = 5)
public class TrainingStepBenchmark {
    /** Model shape: the name of the released checkpoint whose shape the random weights take. */
    @Param({"esm2_t6_8M"})
    public String model;

    /** Batch size x tokens per sequence (cls and eos included). */
    @Param({"8x128"})
    public String batch;

    /** "full": every backbone parameter trains; "lora": adapters of rank 8 on q and v only. */
    @Param({"full", "lora"})
    public String mode;

    private TrainableModel trainable;
    private Esm2Trainer trainer;
    private AdamW optimizer;
    private List<int[]> tokens;
    private List<int[]> targets;

    @Setup
    public void setUp() {
        TrainableModel.Builder b = TrainableModel.builder(RandomWeights.create(ForwardBenchmark.config(model), 42));
        if (mode.equals("lora")) {
            b.lora(new LoraConfig(8, 16, 0, EnumSet.of(LoraTarget.Q, LoraTarget.V)), 7);
        } else if (!mode.equals("full")) {
            throw new IllegalArgumentException("mode must be full or lora, got '" + mode + "'");
        }
        trainable = b.build();
        trainer = Backends.select("cpu").trainer(trainable, TrainerOptions.defaults());
        optimizer = new AdamW(trainable.layout(), ParameterGroups.decayAll(trainable.layout(), 1e-4, 0.01));
        String[] bt = batch.split("x");
        tokens = ForwardBenchmark.randomSequences(Integer.parseInt(bt[0]), Integer.parseInt(bt[1]), 1);
        targets = maskFifteenPercent(tokens, new SplittableRandom(3));
    }

    /** ESM-2's recipe on every sequence: 15% of residues selected, of those 80% become {@code <mask>}. */
    private static List<int[]> maskFifteenPercent(List<int[]> tokens, SplittableRandom random) {
        List<int[]> out = new ArrayList<>();
        for (int[] seq : tokens) {
            int[] t = new int[seq.length];
            Arrays.fill(t, CrossEntropyLoss.IGNORE_INDEX);
            for (int p = 1; p + 1 < seq.length; p++) {
                if (random.nextDouble() < 0.15) {
                    t[p] = seq[p];
                    if (random.nextDouble() < 0.8) {
                        seq[p] = Alphabet.MASK;
                    }
                }
            }
            out.add(t);
        }
        return out;
    }

    @TearDown
    public void tearDown() {
        PeakRss.record(model + " " + batch + " " + mode);
        trainer.close();
    }

    @Benchmark
    public double step() {
        trainable.zeroGradients();
        trainer.forward(tokens);
        double loss = trainer.maskedLmLoss(targets);
        trainer.backward();
        GradientClipping.clipGlobalNorm(trainable.layout(), trainable.gradients(), 1.0);
        optimizer.step(trainable.parameters(), trainable.gradients());
        return loss;
    }
}
