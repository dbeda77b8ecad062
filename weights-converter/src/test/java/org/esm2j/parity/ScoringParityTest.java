package org.esm2j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.data.Alphabet;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.model.Esm2Weights;
import org.esm2j.score.Mutation;
import org.esm2j.score.MutationSet;
import org.esm2j.score.ScoringStrategy;
import org.esm2j.score.VariantScorer;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Variant scores of the CPU model against fair-esm (golden "s2.*" entries, made in float64 with predict.py's
 * masked-marginal formula and the corrected pseudo-log-likelihood): masked marginals and PLL for all three fixtures
 * from both checkpoint formats, the finer checks on the tiny fixture. Tolerance: rtol 1e-4, atol 1e-4; a score is a
 * difference of two log-probabilities, each within ~1e-5 of the reference when the logits are.
 */
class ScoringParityTest {
    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;
    private static final int VOCAB = Alphabet.SIZE;
    private static final String CANONICAL = "ACDEFGHIKLMNPQRSTVWY";

    private static Golden golden;
    private static Esm2Model model;
    private static String sequence;
    private static int[] residues;

    @BeforeAll
    static void load() {
        golden = Golden.of(Fixtures.TINY);
        Esm2Weights weights = CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.TINY)).weights();
        model = Esm2Model.load(weights, new CpuBackend());
        sequence = scoredSequence(golden);
        residues = Alphabet.encode(sequence, "s2", UnknownResiduePolicy.ERROR);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static float[] toFloats(List<? extends Number> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    static Stream<Arguments> checkpoints() {
        List<Arguments> out = new ArrayList<>();
        for (String name : Fixtures.MODELS) {
            out.add(Arguments.of(name, "fair-esm .pt", Fixtures.metaCheckpoint(name)));
            out.add(Arguments.of(name, "hf", Fixtures.huggingFaceFolder(name)));
        }
        return out.stream();
    }

    private static String scoredSequence(Golden g) {
        Object variant = g.meta("variant_sequence");
        return variant != null ? (String) variant : g.sequences().get(2);
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("checkpoints")
    void maskedMarginalScoresAndPseudoLikelihoodMatchFairEsm(String name, String format, Path path) {
        Golden g = Golden.of(name);
        String seq = scoredSequence(g);
        List<MutationSet> mutations = new ArrayList<>();
        for (String text : (List<String>) g.meta("s2.mutations")) {
            mutations.add(MutationSet.parse(text, 1));
        }
        float[] expected = toFloats((List<Number>) g.meta("s2.masked_marginal_scores"));
        double expectedPll = ((Number) g.meta("s2.pseudo_log_likelihood")).doubleValue();
        try (Esm2Model m = Esm2Model.load(CheckpointLoader.load(path).weights(), new CpuBackend())) {
            VariantScorer scorer = new VariantScorer(m, 4096);
            List<Double> scores = scorer.score(seq, mutations, ScoringStrategy.MASKED_MARGINALS);
            NumericAssert.assertClose(name + " (" + format + ") masked-marginal scores " + mutations,
                    toFloats(scores), expected, ATOL, RTOL);
            double pll = scorer.pseudoLogLikelihood(seq);
            // compared in double: a float holds -1441.13 only to ~1e-4
            double diff = Math.abs(pll - expectedPll);
            System.out.printf("%s (%s) pseudo-log-likelihood: %.6f vs fair-esm %.6f, abs err %.3e, rel err %.3e%n",
                    name, format, pll, expectedPll, diff, diff / Math.abs(expectedPll));
            assertTrue(diff <= ATOL + RTOL * Math.abs(expectedPll), name + " (" + format
                    + ") pseudo-log-likelihood " + pll + " vs " + expectedPll);
        }
    }

    /**
     * Every canonical substitution at every residue, against the reference masked log-probabilities: row r of
     * {@code s2.masked_marginal_logp} gives {@code lp[mt] - lp[wt]} for all 19 mutants at residue r.
     */
    @Test
    void allSingleSubstitutionsMatchReferenceMaskedLogProbabilities() {
        float[] logp = golden.floats("s2.masked_marginal_logp"); // (n, 33)
        assertEquals(residues.length * VOCAB, logp.length, "masked_marginal_logp shape");
        List<MutationSet> mutations = new ArrayList<>();
        List<Float> expected = new ArrayList<>();
        for (int r = 0; r < residues.length; r++) {
            char wt = Alphabet.token(residues[r]).charAt(0);
            for (char mt : CANONICAL.toCharArray()) {
                if (mt != wt) {
                    mutations.add(MutationSet.of(List.of(new Mutation(wt, r, mt))));
                    expected.add(logp[r * VOCAB + Alphabet.residueId(mt)] - logp[r * VOCAB + residues[r]]);
                }
            }
        }
        // a small budget so that the masked copies run in several multi-sequence batches
        List<Double> scores = new VariantScorer(model, 4 * (residues.length + 2)).score(sequence, mutations,
                ScoringStrategy.MASKED_MARGINALS);
        NumericAssert.assertClose("masked marginals, " + mutations.size() + " substitutions", toFloats(scores),
                toFloats(expected), ATOL, RTOL);
    }

    /** Wild-type marginals against the log-softmax of the reference logits of sequence 2. */
    @Test
    void wildTypeMarginalsMatchReferenceLogits() {
        float[] logits = golden.floats("s2.logits"); // (n + 2, 33)
        List<MutationSet> mutations = new ArrayList<>();
        List<Float> expected = new ArrayList<>();
        for (int r = 0; r < residues.length; r += 5) {
            char wt = Alphabet.token(residues[r]).charAt(0);
            char mt = wt == 'W' ? 'A' : 'W';
            mutations.add(MutationSet.of(List.of(new Mutation(wt, r, mt))));
            expected.add((float) (logits[(r + 1) * VOCAB + Alphabet.residueId(mt)]
                    - logits[(r + 1) * VOCAB + residues[r]])); // the normaliser cancels in the difference
        }
        List<Double> scores = new VariantScorer(model, 4096).score(sequence, mutations, ScoringStrategy.WT_MARGINALS);
        NumericAssert.assertClose("wild-type marginals", toFloats(scores), toFloats(expected), ATOL, RTOL);
    }

    /** The token budget only regroups passes; with the real model, scores agree across budgets. */
    @Test
    void tokenBudgetDoesNotChangeRealModelScores() {
        List<MutationSet> mutations = List.of(MutationSet.parse("K1G"), MutationSet.parse("A2P:L3A"),
                MutationSet.parse("E71K"));
        for (ScoringStrategy strategy : List.of(ScoringStrategy.MASKED_MARGINALS, ScoringStrategy.MT_MARGINALS)) {
            List<Double> single = new VariantScorer(model, 1).score(sequence, mutations, strategy);
            List<Double> batched = new VariantScorer(model, 1 << 20).score(sequence, mutations, strategy);
            NumericAssert.assertClose(strategy + ", batch of 1 vs all at once", toFloats(batched), toFloats(single),
                    1e-5, 1e-5);
        }
    }
}
