package org.esm2j.score;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.esm2j.InvalidInputException;

/**
 * How {@link VariantScorer} turns model log-probabilities into a variant score (docs/MODEL_REFERENCE.md 6; Meier et
 * al. 2021, ESM-1v). Below, {@code lp_s[i, a]} is the log-softmax over all 33 tokens at token position {@code i} of
 * sequence {@code s}, token position = 1 + residue index because of {@code <cls>}, and {@code M} is the set of mutated
 * sites. Higher means the model finds the variant more plausible relative to the wild type.
 */
public enum ScoringStrategy {
    /**
     * Wild-type marginals (fair-esm's default): one pass on the unmasked wild type;
     * {@code score = sum_{i in M} lp_wt[i, mt_i] - lp_wt[i, wt_i]}. Cheapest: one forward pass for any number of
     * variants.
     */
    WT_MARGINALS("wt-marginals"),
    /**
     * Masked marginals (best zero-shot predictor in ESM-1v): for each mutated site i, the wild type with position i
     * replaced by {@code <mask>}; {@code score = sum_{i in M} lp_{wt with i masked}[i, mt_i] - lp_{...}[i, wt_i]}.
     * Only the distinct sites named by the variants are masked (one pass each, batched), not every position as
     * predict.py does; the masked row of a site is the same either way.
     */
    MASKED_MARGINALS("masked-marginals"),
    /**
     * Mutant marginals: one unmasked pass per variant on the mutant sequence x';
     * {@code score = sum_{i in M} lp_{x'}[i, mt_i] - lp_{x'}[i, wt_i]} (not implemented in predict.py).
     */
    MT_MARGINALS("mt-marginals"),
    /**
     * Pseudo-log-likelihood ratio: {@code score = PLL(mutant) - PLL(wild type)} with
     * {@code PLL(x) = sum_{r=0}^{n-1} log p(x_r | x with residue r masked)}, every residue masked once (n passes per
     * sequence). This is the corrected form of predict.py's {@code compute_pppl}, which reads the target one position
     * off and never scores the last two residues; see {@link VariantScorer#pseudoLogLikelihood}. The most expensive
     * strategy, but the only one that sees every position of the mutant.
     */
    PSEUDO_LIKELIHOOD("pseudo-likelihood");

    private final String cliName;

    ScoringStrategy(String cliName) {
        this.cliName = cliName;
    }

    /** The command-line spelling, e.g. {@code masked-marginals}. */
    public String cliName() {
        return cliName;
    }

    /** Parses a command-line spelling ({@link #cliName()}, case-insensitive). */
    public static ScoringStrategy fromCliName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        List<String> names = new ArrayList<>();
        for (ScoringStrategy s : values()) {
            if (s.cliName.equals(wanted)) {
                return s;
            }
            names.add(s.cliName);
        }
        throw new InvalidInputException("unknown scoring strategy '" + name + "' (expected one of: "
                + String.join(", ", names) + ")");
    }
}
