package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.cpu.NaiveBf16Runtime;
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
 * log-probabilities computed on the device. Every strategy's scores are compared with the fp32 CPU runtime's under
 * docs/STYLE.md's mixed-precision rule: the largest score error of the CUDA bf16 runtime is at most twice that of the
 * naive bf16 forward ({@link NaiveBf16Runtime}) scoring the same variants. A score sums differences of
 * log-probabilities (two per mutated site, two per residue for the pseudo-likelihood), so no single per-value
 * tolerance fits every strategy; the naive floor scales with them. A small token budget forces several batches (and
 * so the CUDA-graph replays of equal shapes) per call.
 *
 * <p>On a GPU: the 20-head fixture and a 78-residue wild type with 13 variants (the pseudo-likelihood alone is about
 * a thousand masked copies). On the emulated device, where that takes many minutes, the same code paths run on the
 * tiny fixture and the wild type's first {@value #EMULATED_RESIDUES} residues (4 variants, 16 masked copies per
 * sequence for the pseudo-likelihood, still several batches).
 */
@Tag("gpu")
class CudaScoringGpuTest {
    private static final double MAX_RATIO = 2;
    private static final String WILD_TYPE = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKR";
    private static final int EMULATED_RESIDUES = 16;

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
    }

    /** Substitutions every 7th site of {@code wildType} (where they change the residue) and one double mutant. */
    private static List<MutationSet> mutations(String wildType) {
        List<MutationSet> sets = new ArrayList<>();
        String substitutes = "ACDEFGHIKLMNPQRSTVWY";
        for (int i = 0; i < wildType.length(); i += 7) {
            char mutant = substitutes.charAt((i * 3) % substitutes.length());
            if (mutant != wildType.charAt(i)) {
                sets.add(MutationSet.parse(wildType.charAt(i) + String.valueOf(i + 1) + mutant));
            }
        }
        sets.add(MutationSet.parse("K2A:T3C"));
        return sets;
    }

    @ParameterizedTest
    @EnumSource(ScoringStrategy.class)
    void scoresAreWithinTheNaiveBf16NoiseFloor(ScoringStrategy strategy) {
        boolean emulated = CudaLibrary.emulated();
        String model = emulated ? Fixtures.TINY : Fixtures.HEADS20;
        String wildType = emulated ? WILD_TYPE.substring(0, EMULATED_RESIDUES) : WILD_TYPE;
        Esm2Weights weights = CheckpointLoader.load(Fixtures.metaCheckpoint(model)).weights();
        List<MutationSet> mutations = mutations(wildType);
        int budget = 4 * (wildType.length() + 2);
        List<Double> expected;
        List<Double> naive;
        List<Double> actual;
        try (Esm2Runtime cpu = new CpuBackend().load(weights);
                Esm2Runtime naiveBf16 = new NaiveBf16Runtime(weights);
                CudaRuntime gpu = new CudaRuntime(weights, DType.BF16)) {
            expected = new VariantScorer(cpu, budget).score(wildType, mutations, strategy);
            naive = new VariantScorer(naiveBf16, budget).score(wildType, mutations, strategy);
            actual = new VariantScorer(gpu, budget).score(wildType, mutations, strategy);
        }
        assertEquals(expected.size(), actual.size());
        int worst = worstIndex(actual, expected);
        double cudaError = Math.abs(actual.get(worst) - expected.get(worst));
        int naiveWorst = worstIndex(naive, expected);
        double naiveError = Math.abs(naive.get(naiveWorst) - expected.get(naiveWorst));
        String what = String.format(Locale.ROOT, "%s on %s (%s, %d residues, %d variants)", strategy,
                emulated ? "the emulated GPU" : "the GPU", model, wildType.length(), mutations.size());
        System.out.printf(Locale.ROOT, "%s: max abs score error vs fp32 CPU: CUDA bf16 %.3e (%s), naive bf16 %.3e, "
                + "ratio %.2f (allowed %.0f)%n", what, cudaError, mutations.get(worst), naiveError,
                cudaError / naiveError, MAX_RATIO);
        // A zero floor would mean the naive reference rounded nothing, and the rule would demand bit equality.
        assertTrue(naiveError > 0, what + ": the naive bf16 scores equal the fp32 runtime's");
        assertTrue(cudaError <= MAX_RATIO * naiveError, String.format(Locale.ROOT,
                "%s: CUDA bf16 score of %s is %.3e off (%.4f vs %.4f), more than %.0f x the naive bf16 error %.3e",
                what, mutations.get(worst), cudaError, actual.get(worst), expected.get(worst), MAX_RATIO,
                naiveError));
    }

    /** The index of the largest |actual - expected|. */
    private static int worstIndex(List<Double> actual, List<Double> expected) {
        int worst = 0;
        for (int i = 1; i < expected.size(); i++) {
            if (Math.abs(actual.get(i) - expected.get(i)) > Math.abs(actual.get(worst) - expected.get(worst))) {
                worst = i;
            }
        }
        return worst;
    }
}
