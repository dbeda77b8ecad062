package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.model.Esm2Weights;
import org.esm2j.score.MutationSet;
import org.esm2j.score.ScoringStrategy;
import org.esm2j.score.VariantScorer;
import org.esm2j.tensor.DType;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Variant scoring on the GPU: the scorer batches its masked copies through the CUDA runtime, which returns
 * log-probabilities computed on the device; every strategy must agree with the fp32 CPU runtime within what bf16 GEMM
 * operands allow for a difference of two log-probabilities. A small token budget forces several batches (and so the
 * CUDA-graph replays of equal shapes) per call.
 */
@Tag("gpu")
class CudaScoringGpuTest {
    /** Absolute tolerance on a score: two log-probabilities, each within ~6e-2 in bf16 over two layers. */
    private static final double SCORE_TOL = 0.12;
    private static final String WILD_TYPE = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKR";

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
    }

    private static List<MutationSet> mutations() {
        List<MutationSet> sets = new ArrayList<>();
        String substitutes = "ACDEFGHIKLMNPQRSTVWY";
        for (int i = 0; i < WILD_TYPE.length(); i += 7) {
            char mutant = substitutes.charAt((i * 3) % substitutes.length());
            if (mutant != WILD_TYPE.charAt(i)) {
                sets.add(MutationSet.parse(WILD_TYPE.charAt(i) + String.valueOf(i + 1) + mutant));
            }
        }
        sets.add(MutationSet.parse("K2A:T3C"));
        return sets;
    }

    @ParameterizedTest
    @EnumSource(ScoringStrategy.class)
    void scoresMatchTheCpuRuntime(ScoringStrategy strategy) {
        Esm2Weights weights = CheckpointLoader.load(Fixtures.metaCheckpoint(Fixtures.HEADS20)).weights();
        List<MutationSet> mutations = mutations();
        int budget = 4 * (WILD_TYPE.length() + 2);
        try (CudaRuntime gpu = new CudaRuntime(weights, DType.BF16);
                Esm2Runtime cpu = new CpuBackend().load(weights)) {
            List<Double> expected = new VariantScorer(cpu, budget).score(WILD_TYPE, mutations, strategy);
            List<Double> actual = new VariantScorer(gpu, budget).score(WILD_TYPE, mutations, strategy);
            double maxAbs = 0;
            for (int i = 0; i < expected.size(); i++) {
                maxAbs = Math.max(maxAbs, Math.abs(expected.get(i) - actual.get(i)));
            }
            System.out.printf("%s on the GPU vs CPU: %d scores, max abs %.3e%n", strategy, expected.size(), maxAbs);
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), SCORE_TOL,
                        strategy + " score of " + mutations.get(i) + " (max abs over all " + maxAbs + ")");
            }
        }
    }
}
