package org.esm2j.cpu;

/**
 * The error function and the exact (erf) GELU that ESM-2 uses; Java has no {@code Math.erf}. Evaluated in double:
 * a Maclaurin series where it converges fast and without cancellation (|z| < 0.8), elsewhere the complement from
 * the Chebyshev-fitted erfc of Numerical Recipes (fractional error below 1.2e-7 for all z >= 0), which is the form
 * GELU needs: gelu(x) = x * Phi(x) = x * erfc(-x / sqrt 2) / 2 keeps its relative accuracy in the far negative tail.
 */
final class Erf {
    private static final double SERIES_LIMIT = 0.8;
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double INV_SQRT2 = 0.7071067811865476;

    private Erf() {
    }

    static double erf(double z) {
        double a = Math.abs(z);
        if (a < SERIES_LIMIT) {
            return series(z);
        }
        double v = 1 - erfcNonNegative(a);
        return z < 0 ? -v : v;
    }

    static double erfc(double z) {
        if (Math.abs(z) < SERIES_LIMIT) {
            return 1 - series(z);
        }
        return z >= 0 ? erfcNonNegative(z) : 2 - erfcNonNegative(-z);
    }

    /** {@code x * 0.5 * (1 + erf(x / sqrt 2))}, i.e. PyTorch's {@code gelu(approximate='none')}. */
    static float gelu(float x) {
        return (float) (0.5 * x * erfc(-x * INV_SQRT2));
    }

    /** erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1)); for |z| < 0.8 twelve terms reach 1e-17. */
    private static double series(double z) {
        double z2 = z * z;
        double term = z; // (-1)^n z^(2n+1) / n!
        double sum = z;
        for (int n = 1; n < 30; n++) {
            term *= -z2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    private static double erfcNonNegative(double z) {
        double t = 1 / (1 + 0.5 * z);
        double poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277))))))));
        return t * Math.exp(poly);
    }
}
