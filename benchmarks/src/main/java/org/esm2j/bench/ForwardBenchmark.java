package org.esm2j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.esm2j.backend.Backends;
import org.esm2j.backend.Esm2Model;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Whole-model CPU forward passes (logits only) on random weights of the esm2_t6_8M and esm2_t12_35M shapes, at the
 * (batch x length) points the ONNX Runtime peer measures. One op is one batch, every sequence full length
 * ({@code <cls>}, T - 2 random residues, {@code <eos>}); tokens/s = ops/s x B x T. Threads: the CPU backend's
 * pool ({@code -Desm2j.threads}, default all available processors); {@code bench/cpu-bench.sh} sets it and pins the
 * fork with taskset to compare with the peer at the same thread count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ForwardBenchmark {
    /** Model shape: the name of the released checkpoint whose shape the random weights take. */
    @Param({"esm2_t6_8M", "esm2_t12_35M"})
    public String model;

    /** Batch size x tokens per sequence (cls and eos included). */
    @Param({"1x128", "8x128", "1x512", "4x512"})
    public String batch;

    private Esm2Model esm2;
    private List<int[]> tokens;
    private final ForwardRequest request = ForwardRequest.logitsOnly();

    @Setup(Level.Trial)
    public void setUp() {
        esm2 = Esm2Model.load(RandomWeights.create(config(model), 42), Backends.select("cpu"));
        String[] bt = batch.split("x");
        tokens = randomSequences(Integer.parseInt(bt[0]), Integer.parseInt(bt[1]), 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        esm2.close();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        bh.consume(esm2.forward(tokens, request));
    }

    static Esm2Config config(String modelName) {
        switch (modelName) {
            case "esm2_t6_8M":
                return RandomWeights.esm2T6();
            case "esm2_t12_35M":
                return RandomWeights.esm2T12();
            default:
                throw new IllegalArgumentException("unknown model shape '" + modelName
                        + "' (expected esm2_t6_8M or esm2_t12_35M)");
        }
    }

    /** B framed sequences of exactly T tokens with residues drawn from the 20 standard amino acids, like the peer. */
    static List<int[]> randomSequences(int batchSize, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int firstResidue = Alphabet.idOf("L");
        List<int[]> out = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            int[] seq = new int[length];
            seq[0] = Alphabet.CLS;
            for (int t = 1; t < length - 1; t++) {
                seq[t] = firstResidue + random.nextInt(20);
            }
            seq[length - 1] = Alphabet.EOS;
            out.add(seq);
        }
        return out;
    }
}
