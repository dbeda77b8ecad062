package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * Rotary embedding in the half-split layout against a double rotation with angle t * inv_freq[j] of the pair
 * (x[j], x[j + hd/2]); 1e-6 abs + 1e-6 rel. Position 0 is the identity, and a column-strided output equals the row one.
 */
class RotaryTest {
    @Test
    void rotatesHalfSplitPairs() {
        int hd = 24;
        int half = hd / 2;
        float[] invFreq = new float[half];
        for (int j = 0; j < half; j++) {
            invFreq[j] = (float) Math.pow(10000, -2.0 * j / hd);
        }
        int positions = 130;
        Rotary rotary = new Rotary(invFreq, positions);
        Random rnd = new Random(2);
        float[] x = new float[hd];
        for (int i = 0; i < hd; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] identity = new float[hd];
        rotary.rotate(x, 0, 0, identity, 0, 1);
        assertArrayEquals(x, identity, "position 0 must not rotate");
        for (int t : new int[] {1, 17, 129}) {
            float[] expected = new float[hd];
            for (int j = 0; j < half; j++) {
                double theta = (double) ((float) t * invFreq[j]);
                expected[j] = (float) (x[j] * Math.cos(theta) - x[j + half] * Math.sin(theta));
                expected[j + half] = (float) (x[j + half] * Math.cos(theta) + x[j] * Math.sin(theta));
            }
            float[] row = new float[hd];
            rotary.rotate(x, 0, t, row, 0, 1);
            NumericAssert.assertClose("rotary t=" + t, row, expected, 1e-6, 1e-6);
            int stride = 5;
            float[] column = new float[hd * stride];
            rotary.rotate(x, 0, t, column, 2, stride);
            float[] gathered = new float[hd];
            for (int d = 0; d < hd; d++) {
                gathered[d] = column[2 + d * stride];
            }
            assertArrayEquals(row, gathered, "strided output differs at t=" + t);
        }
    }
}
