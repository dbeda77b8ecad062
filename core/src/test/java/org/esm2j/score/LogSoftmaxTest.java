package org.esm2j.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LogSoftmaxTest {
    @Test
    void largeLogitsStayFiniteAndNormalised() {
        // exp(3e4) overflows in float and double alike; subtracting the max first keeps every term finite
        float[] logits = {0, 0, 0, 3e4f, 3e4f, 3e4f - 1};
        double[] row = LogSoftmax.row(logits, 3, 1);
        double z = Math.log(2 + Math.exp(-1));
        assertEquals(-z, row[0], 1e-12);
        assertEquals(-z, row[1], 1e-12);
        assertEquals(-1 - z, row[2], 1e-12);
    }

    @Test
    void smallDifferencesSurviveInDouble() {
        float[] logits = {10.000001f, 10f};
        double[] row = LogSoftmax.row(logits, 2, 0);
        assertEquals((double) 10.000001f - 10f, row[0] - row[1], 1e-15);
        assertEquals(1.0, Math.exp(row[0]) + Math.exp(row[1]), 1e-15);
    }
}
