package org.esm2j.cpu;

/**
 * The error function in double for the naive reference forward pass, independent of the float {@link Erf#gelu} under
 * test: a Maclaurin series where it converges fast and without cancellation (|z| < 0.8), elsewhere the complement
 * from the Chebyshev-fitted erfc of Numerical Recipes (fractional error below 1.2e-7 for all z >= 0).
 */
final class ReferenceErf {
    private static final double SERIES_LIMIT = 0.8;
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double[] SERIES_COEFFICIENTS = seriesCoefficients(14);

    private ReferenceErf() {
    }

    static double erf(double z) {
        double a = Math.abs(z);
        if (a < SERIES_LIMIT) {
            return series(z);
        }
        double v = 1 - erfcNonNegative(a);
        return z < 0 ? -v : v;
    }

    /**
     * erf(z) = 2/sqrt(pi) * z * sum_n c_n z^(2n) with c_n = (-1)^n / (n! (2n+1)), as a fixed Horner polynomial: for
     * |z| < 0.8 the first omitted term (n = 14) is below 1e-15 of the sum. No divisions and no data-dependent loop,
     * so a reference over many activations stays quick.
     */
    private static double series(double z) {
        double z2 = z * z;
        double p = SERIES_COEFFICIENTS[SERIES_COEFFICIENTS.length - 1];
        for (int n = SERIES_COEFFICIENTS.length - 2; n >= 0; n--) {
            p = Math.fma(p, z2, SERIES_COEFFICIENTS[n]);
        }
        return TWO_OVER_SQRT_PI * z * p;
    }

    private static double[] seriesCoefficients(int terms) {
        double[] c = new double[terms];
        double factorial = 1;
        for (int n = 0; n < terms; n++) {
            if (n > 0) {
                factorial *= n;
            }
            c[n] = (n % 2 == 0 ? 1 : -1) / (factorial * (2 * n + 1));
        }
        return c;
    }

    private static double erfcNonNegative(double z) {
        double t = 1 / (1 + 0.5 * z);
        double poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277))))))));
        return t * Math.exp(poly);
    }
}
