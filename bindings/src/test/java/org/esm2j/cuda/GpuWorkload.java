package org.esm2j.cuda;

import java.util.List;
import java.util.TreeSet;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.bench.RandomWeights;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.cpu.NaiveBf16Forward;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.tensor.DType;
import org.esm2j.testing.NumericAssert;

/**
 * Weights and a token batch for the GPU numeric tests, and the three forward passes they compare: the fp32 CPU
 * runtime (the reference), the CUDA runtime in bf16 and the naive bf16 CPU forward (the same-precision noise floor).
 * Each yields the logits and the last representation (the final LayerNorm's output) of every sequence.
 */
record GpuWorkload(String name, Esm2Weights weights, List<int[]> tokens) {
    /** Residues per sequence of the random batches; each also gets {@code <cls>} and {@code <eos>}. */
    private static final int[] RANDOM_RESIDUES = {1, 97, 300};

    /** Per sequence: logits (T, vocab) and the last representation (T, D). */
    record Outputs(float[][] logits, float[][] lastRepresentation) {
        /** The largest |this - reference| over every sequence's logits. */
        double logitsError(Outputs reference) {
            return maxAbs(logits, reference.logits);
        }

        /** The largest |this - reference| over every sequence's last representation. */
        double representationError(Outputs reference) {
            return maxAbs(lastRepresentation, reference.lastRepresentation);
        }

        private static double maxAbs(float[][] actual, float[][] expected) {
            double max = 0;
            for (int b = 0; b < expected.length; b++) {
                max = Math.max(max, NumericAssert.compare(actual[b], expected[b], 1, 0).maxAbs());
            }
            return max;
        }
    }

    /** A golden fixture model with its reference sequences (some hold {@code <mask>}). */
    static GpuWorkload fixture(String model) {
        return new GpuWorkload(model, GpuTestInputs.fixtureWeights(model), GpuTestInputs.goldenTokens(model));
    }

    /**
     * Seeded random weights of a released shape, {@code size} as {@link GpuForwardBenchmark#config} names it (8M, 35M,
     * 150M, 650M, ...), and one packed batch of random residues of {@link #RANDOM_RESIDUES} lengths.
     */
    static GpuWorkload random(String size, long seed) {
        return random(size, seed, RANDOM_RESIDUES);
    }

    /** As {@link #random(String, long)} with one sequence of each of {@code residues} lengths. */
    static GpuWorkload random(String size, long seed, int[] residues) {
        Esm2Weights weights = RandomWeights.create(GpuForwardBenchmark.config(size), seed);
        return new GpuWorkload("random " + size, weights, GpuTestInputs.randomSequences(residues, seed));
    }

    int numLayers() {
        return weights.config().numLayers();
    }

    Outputs cpuFp32() {
        try (Esm2Runtime cpu = new CpuBackend().load(weights)) {
            return outputs(cpu.forward(tokens, request()));
        }
    }

    Outputs cudaBf16() {
        try (CudaRuntime gpu = new CudaRuntime(weights, DType.BF16)) {
            return outputs(gpu.forward(tokens, request()));
        }
    }

    /**
     * What docs/STYLE.md's mixed-precision rule allows a bf16 forward on these inputs: twice the max abs logit error of
     * the naive bf16 forward against the fp32 CPU runtime. A fixed threshold cannot be right for every model: the
     * naive forward itself is 0.24 to 0.54 off on the golden fixtures' logits.
     */
    double bf16LogitsAllowance() {
        return 2 * naiveBf16().logitsError(cpuFp32());
    }

    Outputs naiveBf16() {
        NaiveBf16Forward naive = new NaiveBf16Forward(weights);
        float[][] logits = new float[tokens.size()][];
        float[][] last = new float[tokens.size()][];
        for (int b = 0; b < tokens.size(); b++) {
            NaiveBf16Forward.Output out = naive.forward(tokens.get(b));
            logits[b] = out.logits();
            last[b] = out.lastRepresentation();
        }
        return new Outputs(logits, last);
    }

    private ForwardRequest request() {
        TreeSet<Integer> last = new TreeSet<>();
        last.add(numLayers());
        return new ForwardRequest(last, true, false, false);
    }

    private Outputs outputs(ForwardResult result) {
        float[][] logits = new float[tokens.size()][];
        float[][] last = new float[tokens.size()][];
        for (int b = 0; b < tokens.size(); b++) {
            logits[b] = result.logits(b);
            last[b] = result.representation(numLayers(), b);
        }
        return new Outputs(logits, last);
    }
}
