package org.esm2j.train.run;

/**
 * One pass over the validation set.
 *
 * @param step optimizer steps done when it ran (0 before training)
 * @param loss the objective's loss averaged over every scored item of the set (masked positions for masked-LM)
 * @param scored how many items were scored
 * @param elapsedSeconds wall time since the run (or its resumption) started
 */
public record ValidationMetrics(long step, double loss, long scored, double elapsedSeconds) {
    /** exp(loss): the validation perplexity of a masked-LM objective. */
    public double perplexity() {
        return Math.exp(loss);
    }
}
