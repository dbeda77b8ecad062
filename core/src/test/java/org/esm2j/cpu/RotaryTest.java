package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * Rotary embedding in the half-split layout against a double rotation with angle t * inv_freq[j] of the pair
 * (x[j], x[j + hd/2]); 1e-6 abs + 1e-6 rel. Position 0 is the identity, a column-strided output equals the row one,
 * and the rotation of a head held transposed (along positions) has the row rotation's bits.
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

    /**
     * A head held transposed, (hd, t) with a wider leading dimension, rotated along positions by either kernel twin, has the bits of {@link
     * Rotary#rotate} at each position, and rotating it back has the bits of {@link Rotary#rotateBack}.
     */
    @Test
    void transposedRotationHasTheRowRotationsBits() {
        int hd = 24;
        int half = hd / 2;
        float[] invFreq = new float[half];
        for (int j = 0; j < half; j++) {
            invFreq[j] = (float) Math.pow(10000, -2.0 * j / hd);
        }
        int t = 37;
        Rotary rotary = new Rotary(invFreq, 40);
        Random rnd = new Random(5);
        float[] rows = new float[t * hd];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) rnd.nextGaussian();
        }
        int ld = t + 3;
        float[] rotatedT = new float[hd * ld];
        float[] backT = new float[hd * ld];
        for (int i = 0; i < t; i++) {
            rotary.rotate(rows, i * hd, i, rotatedT, i, ld);
            float[] back = new float[hd];
            rotary.rotateBack(rows, i * hd, i, back, 0);
            for (int d = 0; d < hd; d++) {
                backT[d * ld + i] = back[d];
            }
        }
        for (Kernels kernels : new Kernels[] {ScalarKernels.INSTANCE, VectorKernels.create()}) {
            float[] xT = new float[hd * ld];
            for (int i = 0; i < t; i++) {
                for (int d = 0; d < hd; d++) {
                    xT[d * ld + i] = rows[i * hd + d];
                }
            }
            float[] yT = xT.clone();
            rotary.rotateTransposed(kernels, yT, ld, t);
            assertArrayEquals(rotatedT, yT, "transposed rotation, " + kernels.getClass().getSimpleName());
            rotary.rotateBackTransposed(kernels, xT, ld, t);
            assertArrayEquals(backT, xT, "transposed rotation back, " + kernels.getClass().getSimpleName());
        }
    }
}
