package org.esm2j.score;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.esm2j.Esm2jException;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Esm2Model;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.data.Alphabet;
import org.esm2j.data.TokenBudgetBatcher;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero-shot variant-effect scores from an ESM-2 model, as in fair-esm's {@code examples/variant-prediction/predict.py}
 * (docs/MODEL_REFERENCE.md section 6); the strategies are described in {@link ScoringStrategy}.
 *
 * <p>Every forward pass gets its own sequence ({@code <cls>} residues {@code <eos>}, at most one {@code <mask>}), and
 * passes are batched so that a batch's padded size, longest sequence times batch size, stays within the token budget
 * (fair-esm's {@code toks_per_batch} rule); a sequence longer than the budget runs alone. Because a runtime's results do
 * not depend on the rest of the batch, the budget changes speed and memory, not scores.
 */
public final class VariantScorer {
    /** fair-esm's default {@code --toks_per_batch}. */
    public static final int DEFAULT_TOKENS_PER_BATCH = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(VariantScorer.class);
    private static final int VOCAB = Alphabet.SIZE;

    private final Function<List<int[]>, ForwardResult> forward;
    private final int tokensPerBatch;

    /** Scores with a loaded model; {@code tokensPerBatch} bounds the padded tokens of one forward call. */
    public VariantScorer(Esm2Model model, int tokensPerBatch) {
        this(tokens -> model.forward(tokens, ForwardRequest.logProbabilitiesOnly()), tokensPerBatch);
    }

    /** Scores with a backend runtime directly. */
    public VariantScorer(Esm2Runtime runtime, int tokensPerBatch) {
        this(tokens -> runtime.forward(tokens, ForwardRequest.logProbabilitiesOnly()), tokensPerBatch);
    }

    private VariantScorer(Function<List<int[]>, ForwardResult> forward, int tokensPerBatch) {
        if (tokensPerBatch < 1) {
            throw new IllegalArgumentException("tokens per batch must be positive, got " + tokensPerBatch);
        }
        this.forward = forward;
        this.tokensPerBatch = tokensPerBatch;
    }

    /**
     * One score per mutation set, in input order. Every set is checked against the wild type first (positions inside
     * the sequence, wild-type letters matching), so a bad entry fails before any model work.
     *
     * @param wildType residue letters (lowercase accepted; no special tokens)
     */
    public List<Double> score(String wildType, List<MutationSet> mutations, ScoringStrategy strategy) {
        int[] wt = residues(wildType, "wild type");
        for (MutationSet set : mutations) {
            set.checkAgainst(wt);
        }
        if (mutations.isEmpty()) {
            return List.of();
        }
        LOG.debug("scoring {} variants of a {}-residue wild type with {}", mutations.size(), wt.length, strategy);
        double[] scores = switch (strategy) {
            case WT_MARGINALS -> wildTypeMarginals(wt, mutations);
            case MASKED_MARGINALS -> maskedMarginals(wt, mutations);
            case MT_MARGINALS -> mutantMarginals(wt, mutations);
            case PSEUDO_LIKELIHOOD -> pseudoLikelihoodRatios(wt, mutations);
        };
        List<Double> out = new ArrayList<>(scores.length);
        for (double s : scores) {
            out.add(s);
        }
        return out;
    }

    /**
     * The pseudo-log-likelihood {@code sum_{r=0}^{n-1} log p(x_r | x with residue r masked)}: n passes, each with one
     * residue replaced by {@code <mask>}, adding the log-probability of the true residue at the masked token position
     * {@code r + 1}. This is the corrected form of predict.py's {@code compute_pppl} (which reads
     * {@code sequence[i]} at token i, one residue off, and skips the last two residues). A sum, not a perplexity: no
     * normalisation by length and no exponent.
     */
    public double pseudoLogLikelihood(String sequence) {
        return pseudoLogLikelihoods(List.of(residues(sequence, "sequence")))[0];
    }

    // --- strategies -------------------------------------------------------------------------------------------

    private double[] wildTypeMarginals(int[] wt, List<MutationSet> mutations) {
        double[] scores = new double[mutations.size()];
        runBatched(1, wt.length + 2, k -> Alphabet.frame(wt), (k, logProbs) -> {
            for (int s = 0; s < scores.length; s++) {
                scores[s] = marginalScore(mutations.get(s), m -> row(logProbs, m.index() + 1));
            }
        });
        return scores;
    }

    private double[] maskedMarginals(int[] wt, List<MutationSet> mutations) {
        TreeSet<Integer> siteSet = new TreeSet<>();
        mutations.forEach(set -> set.mutations().forEach(m -> siteSet.add(m.index())));
        int[] sites = siteSet.stream().mapToInt(Integer::intValue).toArray();
        Map<Integer, double[]> maskedRows = new HashMap<>();
        runBatched(sites.length, wt.length + 2, k -> maskedCopy(wt, sites[k]),
                (k, logProbs) -> maskedRows.put(sites[k], row(logProbs, sites[k] + 1)));
        double[] scores = new double[mutations.size()];
        for (int s = 0; s < scores.length; s++) {
            scores[s] = marginalScore(mutations.get(s), m -> maskedRows.get(m.index()));
        }
        return scores;
    }

    private double[] mutantMarginals(int[] wt, List<MutationSet> mutations) {
        double[] scores = new double[mutations.size()];
        runBatched(mutations.size(), wt.length + 2, k -> Alphabet.frame(mutations.get(k).applyTo(wt)), (k, logProbs) ->
                scores[k] = marginalScore(mutations.get(k), m -> row(logProbs, m.index() + 1)));
        return scores;
    }

    /** PLL(mutant) - PLL(wild type); identical mutant sequences are scored once. */
    private double[] pseudoLikelihoodRatios(int[] wt, List<MutationSet> mutations) {
        List<int[]> distinct = new ArrayList<>();
        Map<String, Integer> indexOfSequence = new HashMap<>();
        indexOfSequence.put(Arrays.toString(wt), 0);
        distinct.add(wt);
        int[] sequenceOfSet = new int[mutations.size()];
        for (int s = 0; s < sequenceOfSet.length; s++) {
            int[] mutant = mutations.get(s).applyTo(wt);
            sequenceOfSet[s] = indexOfSequence.computeIfAbsent(Arrays.toString(mutant), key -> {
                distinct.add(mutant);
                return distinct.size() - 1;
            });
        }
        double[] plls = pseudoLogLikelihoods(distinct);
        double[] scores = new double[mutations.size()];
        for (int s = 0; s < scores.length; s++) {
            scores[s] = plls[sequenceOfSet[s]] - plls[0];
        }
        return scores;
    }

    /**
     * PLLs of sequences of one length n (a wild type and its substitution variants): pass {@code k} masks residue
     * {@code k % n} of sequence {@code k / n}, so all masked copies stream through one batching queue.
     */
    private double[] pseudoLogLikelihoods(List<int[]> sequences) {
        int n = sequences.get(0).length;
        double[] plls = new double[sequences.size()];
        runBatched(sequences.size() * n, n + 2, k -> maskedCopy(sequences.get(k / n), k % n), (k, logProbs) -> {
            int[] residues = sequences.get(k / n);
            int r = k % n;
            plls[k / n] += logProbs[(r + 1) * VOCAB + residues[r]];
        });
        return plls;
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    /** {@code sum_{i in M} lp[i, mt_i] - lp[i, wt_i]}, with {@code rows} giving each site's log-softmax row. */
    private static double marginalScore(MutationSet set, Function<Mutation, double[]> rows) {
        double score = 0;
        for (Mutation m : set.mutations()) {
            double[] lp = rows.apply(m);
            score += lp[m.mutantToken()] - lp[m.wildTypeToken()];
        }
        return score;
    }

    /** The vocabulary's log-probabilities at one token position (0 = {@code <cls>}) of a (T, vocab) array. */
    private static double[] row(float[] logProbs, int position) {
        double[] out = new double[VOCAB];
        for (int a = 0; a < VOCAB; a++) {
            out[a] = logProbs[position * VOCAB + a];
        }
        return out;
    }

    /** {@code <cls>} residues {@code <eos>} with residue {@code index} replaced by {@code <mask>}. */
    private static int[] maskedCopy(int[] residues, int index) {
        int[] tokens = Alphabet.frame(residues);
        tokens[index + 1] = Alphabet.MASK;
        return tokens;
    }

    private static int[] residues(String sequence, String what) {
        int[] tokens = Alphabet.encode(sequence, what, UnknownResiduePolicy.ERROR);
        if (tokens.length == 0) {
            throw new InvalidInputException(what + " is empty");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (Alphabet.token(tokens[i]).length() != 1) {
                throw new InvalidInputException(what + ": residue " + (i + 1) + " is the special token "
                        + Alphabet.token(tokens[i]) + "; sequences to score must hold residue letters only");
            }
        }
        return tokens;
    }

    /** Receives the (T, vocab) log-probabilities of pass {@code k}. */
    @FunctionalInterface
    private interface LogProbabilitiesConsumer {
        void accept(int pass, float[] logProbs);
    }

    /**
     * Runs passes 0..count-1, each {@code framedLength} tokens long, batched by {@link TokenBudgetBatcher}; the tokens
     * of a pass are made only when its batch runs, so long jobs never hold every masked copy at once.
     */
    private void runBatched(int count, int framedLength, IntFunction<int[]> tokensOfPass,
            LogProbabilitiesConsumer consumer) {
        int[] lengths = new int[count];
        Arrays.fill(lengths, framedLength);
        List<int[]> batches = TokenBudgetBatcher.batches(lengths, tokensPerBatch);
        for (int[] passes : batches) {
            List<int[]> batch = new ArrayList<>(passes.length);
            for (int pass : passes) {
                batch.add(tokensOfPass.apply(pass));
            }
            ForwardResult result = forward.apply(batch);
            for (int b = 0; b < passes.length; b++) {
                float[] logProbs = result.logProbabilities(b);
                if (logProbs.length != framedLength * VOCAB) {
                    throw new Esm2jException("backend returned " + logProbs.length + " log-probabilities for a "
                            + "sequence of " + framedLength + " tokens; expected " + framedLength + " x " + VOCAB);
                }
                consumer.accept(passes[b], logProbs);
            }
        }
        LOG.debug("{} forward passes in {} batches (budget {} tokens)", count, batches.size(), tokensPerBatch);
    }
}
