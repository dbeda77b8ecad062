package org.esm2j.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.data.UnknownResiduePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VariantScorerTest {
    // scores come from float logits, the reference from double ones
    private static final double TOL = 2e-5;
    private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ"; // 22 residues
    private static final int[] WT_RESIDUES = Alphabet.encode(WT, "wt", UnknownResiduePolicy.ERROR);
    private static final List<MutationSet> SINGLES = sets("K2R", "A4G", "Q11E", "Q22L", "M1A");

    private final FakeRuntime runtime = new FakeRuntime();

    private static List<MutationSet> sets(String... texts) {
        List<MutationSet> out = new ArrayList<>();
        for (String t : texts) {
            out.add(MutationSet.parse(t));
        }
        return out;
    }

    private static int[] framed(int[] residues) {
        return Alphabet.frame(residues);
    }

    private static int[] masked(int[] residues, int index) {
        int[] t = Alphabet.frame(residues);
        t[index + 1] = Alphabet.MASK;
        return t;
    }

    private static int[] mutant(MutationSet set) {
        int[] r = WT_RESIDUES.clone();
        for (Mutation m : set.mutations()) {
            r[m.index()] = Alphabet.residueId(m.mutant());
        }
        return r;
    }

    /** lp[mt] - lp[wt] at the site's token position, in the given token sequence. */
    private static double marginal(int[] tokens, Mutation m) {
        int p = m.index() + 1;
        return FakeRuntime.logProbability(tokens, p, Alphabet.residueId(m.mutant()))
                - FakeRuntime.logProbability(tokens, p, Alphabet.residueId(m.wildType()));
    }

    private static double pll(int[] residues) {
        double sum = 0;
        for (int r = 0; r < residues.length; r++) {
            sum += FakeRuntime.logProbability(masked(residues, r), r + 1, residues[r]);
        }
        return sum;
    }

    private static void assertScores(double[] expected, List<Double> actual) {
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i), TOL, "score " + i);
        }
    }

    @Test
    void wildTypeMarginalsUseOneUnmaskedPassOnTheWildType() {
        List<Double> scores = new VariantScorer(runtime, 4096).score(WT, SINGLES, ScoringStrategy.WT_MARGINALS);
        assertEquals(1, runtime.passCount());
        assertArrayEquals(framed(WT_RESIDUES), runtime.allPasses().get(0));
        double[] expected = new double[SINGLES.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = marginal(framed(WT_RESIDUES), SINGLES.get(i).mutations().get(0));
        }
        assertScores(expected, scores);
    }

    @Test
    void maskedMarginalsMaskEachNeededSiteExactlyOnce() {
        List<MutationSet> input = sets("K2R", "A4G", "K2E", "A4G:Q11E", "Q22L");
        List<Double> scores = new VariantScorer(runtime, 4096).score(WT, input, ScoringStrategy.MASKED_MARGINALS);

        Set<Integer> maskedPositions = new TreeSet<>();
        for (int[] pass : runtime.allPasses()) {
            int masks = 0;
            for (int p = 0; p < pass.length; p++) {
                if (pass[p] == Alphabet.MASK) {
                    masks++;
                    maskedPositions.add(p);
                    // apart from the mask, each pass is the framed wild type
                    int[] unmasked = pass.clone();
                    unmasked[p] = WT_RESIDUES[p - 1];
                    assertArrayEquals(framed(WT_RESIDUES), unmasked);
                }
            }
            assertEquals(1, masks, "masks in one pass");
        }
        // distinct residue indices 1, 3, 10, 21 -> token positions 2, 4, 11, 22; never cls, eos or other residues
        assertEquals(Set.of(2, 4, 11, 22), maskedPositions);
        assertEquals(4, runtime.passCount());

        double[] expected = new double[input.size()];
        for (int i = 0; i < expected.length; i++) {
            for (Mutation m : input.get(i).mutations()) {
                expected[i] += marginal(masked(WT_RESIDUES, m.index()), m);
            }
        }
        assertScores(expected, scores);
    }

    @Test
    void mutantMarginalsRunOneUnmaskedPassPerMutant() {
        List<MutationSet> input = sets("K2R", "A4G:Q11E");
        List<Double> scores = new VariantScorer(runtime, 4096).score(WT, input, ScoringStrategy.MT_MARGINALS);
        assertEquals(2, runtime.passCount());
        double[] expected = new double[input.size()];
        for (int i = 0; i < input.size(); i++) {
            int[] tokens = framed(mutant(input.get(i)));
            assertArrayEquals(tokens, runtime.allPasses().get(i));
            for (Mutation m : input.get(i).mutations()) {
                expected[i] += marginal(tokens, m);
            }
        }
        assertScores(expected, scores);
    }

    @Test
    void pseudoLogLikelihoodMasksEveryResidueOnceAndSumsTrueResidueLogProbabilities() {
        double pll = new VariantScorer(runtime, 4096).pseudoLogLikelihood(WT);
        assertEquals(WT_RESIDUES.length, runtime.passCount());
        for (int r = 0; r < WT_RESIDUES.length; r++) {
            assertArrayEquals(masked(WT_RESIDUES, r), runtime.allPasses().get(r), "pass " + r);
        }
        assertEquals(pll(WT_RESIDUES), pll, TOL);
    }

    @Test
    void pseudoLikelihoodScoreIsMutantMinusWildTypeAndScoresEachDistinctSequenceOnce() {
        List<MutationSet> input = sets("K2R", "A4G:Q11E", "K2R", "M1M");
        List<Double> scores = new VariantScorer(runtime, 100).score(WT, input, ScoringStrategy.PSEUDO_LIKELIHOOD);
        // wild type (also the synonymous M1M) plus two distinct mutants
        assertEquals(3 * WT_RESIDUES.length, runtime.passCount());
        double wt = pll(WT_RESIDUES);
        assertScores(new double[] {pll(mutant(input.get(0))) - wt, pll(mutant(input.get(1))) - wt,
            pll(mutant(input.get(0))) - wt, 0.0}, scores);
    }

    @ParameterizedTest
    @EnumSource(ScoringStrategy.class)
    void tokenBudgetChangesBatchingButNotScores(ScoringStrategy strategy) {
        List<MutationSet> input = sets("K2R", "A4G:Q11E", "Q22L", "M1A:S20T");
        List<Double> reference = new VariantScorer(new FakeRuntime(), 1_000_000).score(WT, input, strategy);
        int length = WT_RESIDUES.length + 2;
        for (int budget : new int[] {1, length, 3 * length + 1, 4096}) {
            FakeRuntime counted = new FakeRuntime();
            List<Double> scores = new VariantScorer(counted, budget).score(WT, input, strategy);
            assertEquals(reference, scores, strategy + " with budget " + budget);
            // greedy filling: every batch but the last holds as many passes as the budget allows (at least one)
            int perBatch = Math.max(1, budget / length);
            int last = counted.batches.size() - 1;
            for (int b = 0; b <= last; b++) {
                int size = counted.batches.get(b).size();
                assertTrue(b < last ? size == perBatch : size >= 1 && size <= perBatch,
                        strategy + ", budget " + budget + ": batch " + b + " holds " + size + " passes of "
                                + length + " tokens");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ScoringStrategy.class, names = {"WT_MARGINALS", "MASKED_MARGINALS"})
    void multiMutantIsTheSumOfItsSingles(ScoringStrategy strategy) {
        VariantScorer scorer = new VariantScorer(runtime, 4096);
        List<Double> scores = scorer.score(WT, sets("K2R", "A4G", "Q11E", "K2R:A4G:Q11E"), strategy);
        assertEquals(scores.get(0) + scores.get(1) + scores.get(2), scores.get(3), 1e-12);
    }

    @Test
    void scoresFollowInputOrder() {
        VariantScorer scorer = new VariantScorer(runtime, 4096);
        List<Double> forward = scorer.score(WT, sets("K2R", "Q22L", "A4G"), ScoringStrategy.MASKED_MARGINALS);
        List<Double> reversed = scorer.score(WT, sets("A4G", "Q22L", "K2R"), ScoringStrategy.MASKED_MARGINALS);
        assertEquals(List.of(forward.get(2), forward.get(1), forward.get(0)), reversed);
    }

    @Test
    void noMutationsMeansNoModelWork() {
        assertEquals(List.of(), new VariantScorer(runtime, 4096).score(WT, List.of(), ScoringStrategy.MT_MARGINALS));
        assertEquals(0, runtime.passCount());
    }

    @Test
    void wildTypeMismatchNamesTheMutationAndTheActualResidue() {
        VariantScorer scorer = new VariantScorer(runtime, 4096);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> scorer.score(WT, sets("K2R", "A3G"), ScoringStrategy.WT_MARGINALS));
        assertTrue(e.getMessage().contains("A3G") && e.getMessage().contains("residue 3")
                && e.getMessage().contains("is T"), e.getMessage());
        assertEquals(0, runtime.passCount(), "validation happens before any forward pass");
    }

    @Test
    void outOfRangePositionIsRejected() {
        VariantScorer scorer = new VariantScorer(runtime, 4096);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> scorer.score(WT, sets("A23G"), ScoringStrategy.WT_MARGINALS));
        assertTrue(e.getMessage().contains("A23G") && e.getMessage().contains("22 residues"), e.getMessage());
    }

    @Test
    void wildTypeWithUnknownResidueOrSpecialTokenIsRejected() {
        VariantScorer scorer = new VariantScorer(runtime, 4096);
        InvalidInputException unknown = assertThrows(InvalidInputException.class,
                () -> scorer.score("MKJT", sets("K2R"), ScoringStrategy.WT_MARGINALS));
        assertTrue(unknown.getMessage().contains("'J'"), unknown.getMessage());
        InvalidInputException special = assertThrows(InvalidInputException.class,
                () -> scorer.pseudoLogLikelihood("MK<mask>T"));
        assertTrue(special.getMessage().contains("residue 3") && special.getMessage().contains("<mask>"),
                special.getMessage());
        assertThrows(InvalidInputException.class, () -> scorer.pseudoLogLikelihood(""));
    }

    @Test
    void nonPositiveTokenBudgetIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VariantScorer(runtime, 0));
        assertTrue(e.getMessage().contains("tokens per batch"), e.getMessage());
    }

    @Test
    void strategyCliNamesRoundTrip() {
        for (ScoringStrategy s : ScoringStrategy.values()) {
            assertEquals(s, ScoringStrategy.fromCliName(s.cliName()));
        }
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> ScoringStrategy.fromCliName("pppl"));
        assertTrue(e.getMessage().contains("masked-marginals"), e.getMessage());
    }
}
