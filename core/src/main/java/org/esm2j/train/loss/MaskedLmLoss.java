package org.esm2j.train.loss;

import org.esm2j.data.Alphabet;

/**
 * The masked-LM objective: cross-entropy over the 33-token ESM vocabulary at the selected positions only (targets
 * {@link CrossEntropyLoss#IGNORE_INDEX} elsewhere), averaged over the selected positions of the whole batch.
 */
public final class MaskedLmLoss {
    private final CrossEntropyLoss crossEntropy = new CrossEntropyLoss(Alphabet.SIZE);

    /**
     * @param logits (positions, 33) row-major, e.g. B x T positions of a padded batch
     * @param targets one token id per position, -100 where not scored
     * @param gradLogits receives d(loss)/d(logits), zero at unscored positions
     * @return the mean cross-entropy over scored positions (0 when none is scored)
     */
    public double compute(float[] logits, int[] targets, float[] gradLogits) {
        return crossEntropy.compute(logits, targets, targets.length, gradLogits);
    }
}
