package org.esm2j.cpu;

import org.esm2j.data.Alphabet;

/**
 * fair-esm's ContactPredictionHead for one sequence: zero the rows and columns of {@code <eos>} tokens, drop the last
 * position and {@code <cls>}, symmetrize each of the L*H attention maps, apply APC (average product correction), take
 * the logistic regression over the L*H channels (channel c = l H + h) and a sigmoid. Computed in double.
 */
final class ContactHead {
    private ContactHead() {
    }

    /**
     * @param probs attention probabilities (L, H, T, T) [query][key]
     * @param tokens the sequence's T tokens
     * @param weight regression weight (L*H)
     * @param bias regression bias
     * @return contact probabilities (T-2, T-2)
     */
    static float[] predict(float[] probs, int[] tokens, int channels, float[] weight, float bias) {
        int t = tokens.length;
        int n = t - 2;
        double[] keep = new double[n];
        for (int i = 0; i < n; i++) {
            keep[i] = tokens[i + 1] == Alphabet.EOS ? 0 : 1;
        }
        double[] logits = new double[n * n];
        double[] sym = new double[n * n];
        double[] rowSums = new double[n];
        for (int c = 0; c < channels; c++) {
            int base = c * t * t;
            double total = 0;
            for (int i = 0; i < n; i++) {
                double rowSum = 0;
                for (int j = 0; j < n; j++) {
                    double aij = probs[base + (i + 1) * t + (j + 1)];
                    double aji = probs[base + (j + 1) * t + (i + 1)];
                    double v = (aij + aji) * keep[i] * keep[j];
                    sym[i * n + j] = v;
                    rowSum += v;
                }
                rowSums[i] = rowSum;
                total += rowSum;
            }
            // The symmetric map's column sums equal its row sums.
            double w = weight[c];
            for (int i = 0; i < n; i++) {
                double ri = rowSums[i] / total;
                for (int j = 0; j < n; j++) {
                    logits[i * n + j] += w * (sym[i * n + j] - ri * rowSums[j]);
                }
            }
        }
        float[] out = new float[n * n];
        for (int i = 0; i < n * n; i++) {
            out[i] = (float) (1 / (1 + Math.exp(-(logits[i] + bias))));
        }
        return out;
    }
}
