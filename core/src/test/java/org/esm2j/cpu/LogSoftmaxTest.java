package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LogSoftmaxTest {
    @Test
    void largeLogitsStayFiniteAndNormalised() {
        // exp(3e4) overflows in float and double alike; subtracting the max first keeps every term finite
        float[] logits = {0, 0, 0, 3e4f, 3e4f, 3e4f - 1};
        float[] out = LogSoftmax.rows(logits, 3);
        double z = Math.log(3);
        assertEquals(-z, out[0], 1e-7);
        double z2 = Math.log(2 + Math.exp(-1));
        assertEquals(-z2, out[3], 1e-7);
        assertEquals(-z2, out[4], 1e-7);
        assertEquals(-1 - z2, out[5], 1e-7);
    }

    @Test
    void eachValueIsRoundedOnceFromDouble() {
        // 1e-6 apart: the difference of the two log-probabilities is exact up to the final float roundings
        float[] logits = {10.000001f, 10f};
        float[] out = LogSoftmax.rows(logits, 2);
        assertEquals((double) 10.000001f - 10f, (double) out[0] - out[1], 2 * Math.ulp(0.7f));
        assertEquals(1.0, Math.exp(out[0]) + Math.exp(out[1]), 1e-7);
    }

    @Test
    void rejectsRaggedRows() {
        assertThrows(IllegalArgumentException.class, () -> LogSoftmax.rows(new float[5], 3));
    }
}
