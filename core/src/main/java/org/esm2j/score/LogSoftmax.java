package org.esm2j.score;

/**
 * Log-probabilities from LM-head logits, computed in double with the max subtracted first so that large logits
 * neither overflow nor lose the small differences that variant scores are made of.
 */
final class LogSoftmax {
    private LogSoftmax() {
    }

    /**
     * The log-softmax over the vocabulary at one token position.
     *
     * @param logits (T, vocab) row-major
     * @param vocab the row width
     * @param position token position (0 = {@code <cls>})
     */
    static double[] row(float[] logits, int vocab, int position) {
        int base = position * vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < vocab; a++) {
            max = Math.max(max, logits[base + a]);
        }
        double sum = 0;
        for (int a = 0; a < vocab; a++) {
            sum += Math.exp(logits[base + a] - max);
        }
        double logNormalizer = max + Math.log(sum);
        double[] out = new double[vocab];
        for (int a = 0; a < vocab; a++) {
            out[a] = logits[base + a] - logNormalizer;
        }
        return out;
    }
}
