package org.esm2j.cpu;

/**
 * Log-probabilities from LM-head logits, row by row over the vocabulary, computed in double with the max subtracted
 * first so that large logits neither overflow nor lose the small differences that variant scores are made of; each
 * value is rounded to float once.
 */
public final class LogSoftmax {
    private LogSoftmax() {
    }

    /**
     * @param logits (rows, vocab) row-major
     * @return (rows, vocab) log-softmax of every row
     */
    public static float[] rows(float[] logits, int vocab) {
        if (vocab < 1 || logits.length % vocab != 0) {
            throw new IllegalArgumentException("logits of length " + logits.length + " are not rows of " + vocab);
        }
        float[] out = new float[logits.length];
        for (int base = 0; base < logits.length; base += vocab) {
            double max = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < vocab; a++) {
                max = Math.max(max, logits[base + a]);
            }
            double sum = 0;
            for (int a = 0; a < vocab; a++) {
                sum += Math.exp(logits[base + a] - max);
            }
            double logNormalizer = max + Math.log(sum);
            for (int a = 0; a < vocab; a++) {
                out[base + a] = (float) (logits[base + a] - logNormalizer);
            }
        }
        return out;
    }
}
