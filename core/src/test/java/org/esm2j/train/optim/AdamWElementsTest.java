package org.esm2j.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector AdamW loop against the scalar one, bit for bit, on stretches that start and end off the vector grid, with
 * moment buffers at another offset, over several steps (so the moments are not zero) and with gradients that span
 * many orders of magnitude, zeros included.
 */
class AdamWElementsTest {
    @Test
    void vectorLoopGivesTheScalarLoopsBits() {
        SplittableRandom random = new SplittableRandom(11);
        int[][] stretches = {{0, 0}, {3, 4}, {5, 20}, {7, 40}, {16, 48}, {1, 1030}};
        for (int[] stretch : stretches) {
            int from = stretch[0];
            int to = stretch[1];
            int length = to + 9;
            int shift = 5 - from; // moments start at 5 whatever the parameters' offset
            float[] params = values(length, random, 1);
            float[] scalarParams = params.clone();
            float[] scalarM = new float[length + 5];
            float[] scalarV = new float[length + 5];
            float[] m = scalarM.clone();
            float[] v = scalarV.clone();
            for (int step = 1; step <= 4; step++) {
                float[] grads = values(length, random, Math.pow(10, random.nextInt(-6, 3)));
                grads[to > from ? from : 0] = 0f;
                double beta1 = 0.9;
                double beta2 = 0.999;
                double lr = 1e-3 * step;
                AdamWCoefficients k = new AdamWCoefficients((float) (1 - lr * 0.01), (float) beta1,
                        (float) (1 - beta1), (float) beta2, (float) (1 - beta2),
                        (float) Math.sqrt(1 - Math.pow(beta2, step)), 1e-8f, (float) (lr / (1 - Math.pow(beta1, step))));
                ScalarAdamWElements.INSTANCE.update(scalarParams, grads, from, to, scalarM, scalarV, shift, k);
                VectorAdamWElements.INSTANCE.update(params, grads, from, to, m, v, shift, k);
                for (int i = 0; i < length; i++) {
                    assertEquals(Float.floatToRawIntBits(scalarParams[i]), Float.floatToRawIntBits(params[i]),
                            "parameter " + i + " of stretch [" + from + ", " + to + ") at step " + step + ": scalar "
                                    + scalarParams[i] + ", vector " + params[i]);
                }
                for (int i = 0; i < scalarM.length; i++) {
                    assertEquals(Float.floatToRawIntBits(scalarM[i]), Float.floatToRawIntBits(m[i]), "m[" + i + "]");
                    assertEquals(Float.floatToRawIntBits(scalarV[i]), Float.floatToRawIntBits(v[i]), "v[" + i + "]");
                }
            }
        }
    }

    private static float[] values(int n, SplittableRandom random, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * random.nextGaussian());
        }
        return x;
    }
}
