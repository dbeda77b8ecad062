package org.esm2j.cpu;

import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * The contact head against a literal transcription of fair-esm's steps in double (zero eos rows and columns, crop,
 * symmetrize, APC with a1 * a2 / a12, regression, sigmoid), with an {@code <eos>} inside the sequence as well as at the
 * end. 1e-6 absolute on probabilities.
 */
class ContactHeadTest {
    @Test
    void matchesFairEsmSteps() {
        Random rnd = new Random(8);
        int layers = 2;
        int heads = 3;
        int channels = layers * heads;
        int[] tokens = {0, 5, 6, 7, 2, 9, 10, 11, 12, 2};
        int t = tokens.length;
        float[] probs = new float[channels * t * t];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = rnd.nextFloat();
        }
        float[] weight = new float[channels];
        for (int c = 0; c < channels; c++) {
            weight[c] = (float) rnd.nextGaussian();
        }
        float bias = -0.3f;

        int n = t - 2;
        double[] logits = new double[n * n];
        for (int c = 0; c < channels; c++) {
            double[][] a = new double[t][t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    boolean eos = tokens[i] == 2 || tokens[j] == 2;
                    a[i][j] = eos ? 0 : probs[c * t * t + i * t + j];
                }
            }
            double[][] x = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    x[i][j] = a[i + 1][j + 1] + a[j + 1][i + 1];
                }
            }
            double[] a1 = new double[n];
            double[] a2 = new double[n];
            double a12 = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a1[i] += x[i][j];
                    a2[j] += x[i][j];
                    a12 += x[i][j];
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    logits[i * n + j] += weight[c] * (x[i][j] - a1[i] * a2[j] / a12);
                }
            }
        }
        float[] expected = new float[n * n];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) (1 / (1 + Math.exp(-(logits[i] + bias))));
        }
        float[] actual = ContactHead.predict(probs, tokens, channels, weight, bias);
        NumericAssert.assertClose("contacts with inner eos", actual, expected, 1e-6, 0);
    }
}
