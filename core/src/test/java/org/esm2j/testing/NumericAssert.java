package org.esm2j.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise comparison with tolerance {@code atol + rtol * |expected|}; on failure the message gives the worst
 * element, the max abs and max rel error, and how much of the allowed error was used.
 */
public final class NumericAssert {
    private NumericAssert() {
    }

    /** Summary of a comparison, for printing or further checks. */
    public record Comparison(double maxAbs, double maxRel, double worstRatio, int worstIndex) {
        public boolean passed() {
            return worstRatio <= 1.0;
        }

        @Override
        public String toString() {
            return String.format("max abs %.3e, max rel %.3e, %.1f%% of allowed error", maxAbs, maxRel,
                    100 * worstRatio);
        }
    }

    public static Comparison compare(float[] actual, float[] expected, double atol, double rtol) {
        if (actual.length != expected.length) {
            fail("length mismatch: actual " + actual.length + " vs expected " + expected.length);
        }
        double maxAbs = 0;
        double maxRel = 0;
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double e = expected[i];
            double diff = Math.abs(a - e);
            if (Double.isNaN(diff)) {
                if (Double.isNaN(a) && Double.isNaN(e)) {
                    continue;
                }
                diff = Double.POSITIVE_INFINITY;
            }
            maxAbs = Math.max(maxAbs, diff);
            if (e != 0) {
                maxRel = Math.max(maxRel, diff / Math.abs(e));
            }
            // An exact match uses none of the allowance, also when the allowance is zero (0 / 0 would be NaN).
            double ratio = diff == 0 ? 0 : diff / (atol + rtol * Math.abs(e));
            if (ratio > worst || worstIndex < 0) {
                worst = Math.max(worst, ratio);
                worstIndex = i;
            }
        }
        return new Comparison(maxAbs, maxRel, worst, worstIndex);
    }

    /** Fails unless every element is within {@code atol + rtol * |expected|}; prints the error summary either way. */
    public static Comparison assertClose(String what, float[] actual, float[] expected, double atol, double rtol) {
        Comparison c = compare(actual, expected, atol, rtol);
        System.out.println(what + ": " + c);
        if (!c.passed()) {
            int i = c.worstIndex();
            fail(what + ": " + c + "; worst at index " + i + ": actual " + actual[i] + ", expected " + expected[i]
                    + " (atol " + atol + ", rtol " + rtol + ")");
        }
        return c;
    }
}
