package org.esm2j.cpu;

/**
 * The exact (erf) GELU that ESM-2 uses, {@code x * Phi(x) = x * erfc(-x / sqrt 2) / 2}, in float; Java has no
 * {@code Math.erf}. erfc(z) for z = |x| / sqrt 2 >= 0 is the Chebyshev-fitted form of Numerical Recipes,
 * {@code t exp(-z^2 + P(t))} with {@code t = 1 / (1 + z/2)} (fractional error below 1.2e-7 for all z >= 0); for x > 0,
 * Phi(x) = 1 - erfc(z) / 2 has no cancellation, and for x < 0, Phi(x) = erfc(z) / 2 keeps its relative accuracy in the
 * far negative tail. Written with plain float operations only (fma, one division, {@link FastExp}'s steps), so that
 * {@link ScalarKernels} and {@link VectorKernels} give the same bits.
 */
final class Erf {
    /** 1/2, as a float: x^2 / 2 = z^2 exactly when x^2 is split into a float pair. */
    static final float HALF = 0.5f;
    static final float INV_SQRT2 = 0.70710678118654752f;
    /**
     * erfc(z) for |x| >= 13 is below 1e-37, so Phi is 0 or 1 to float precision and GELU is 0 or x; clamping |x|
     * there keeps x^2 finite and 2^n in the exp a normal float.
     */
    static final float MAX_ABS = 13f;
    static final float P0 = -1.26551223f;
    static final float P1 = 1.00002368f;
    static final float P2 = 0.37409196f;
    static final float P3 = 0.09678418f;
    static final float P4 = -0.18628806f;
    static final float P5 = 0.27886807f;
    static final float P6 = -1.13520398f;
    static final float P7 = 1.48851587f;
    static final float P8 = -0.82215223f;
    static final float P9 = 0.17087277f;

    private Erf() {
    }

    /** 1 / sqrt(2 pi), the standard normal density at 0. */
    static final float INV_SQRT_2PI = 0.39894228040143268f;

    /** PyTorch's {@code gelu(approximate='none')}. */
    static float gelu(float x) {
        float ax = Math.min(Math.abs(x), MAX_ABS);
        float halfErfc = halfErfc(ax);
        float phi = x < 0 ? halfErfc : 1f - halfErfc;
        return Math.max(x, -MAX_ABS) * phi; // for x < -13, ~1e-36 instead of x times the clamped erfc
    }

    /**
     * d gelu / dx = Phi(x) + x phi(x), with Phi as in {@link #gelu} and the density phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
     * from the same exact split of x^2; beyond |x| = 13 it is 0 or 1 to float precision.
     */
    static float geluDerivative(float x) {
        float ax = Math.min(Math.abs(x), MAX_ABS);
        float halfErfc = halfErfc(ax);
        float phi = x < 0 ? halfErfc : 1f - halfErfc;
        float square = ax * ax;
        float squareLo = Math.fma(ax, ax, -square);
        float density = INV_SQRT_2PI * FastExp.expOfSum(-(square * HALF), -HALF * squareLo);
        return Math.fma(Math.max(Math.min(x, MAX_ABS), -MAX_ABS), density, phi);
    }

    /** erfc(ax / sqrt 2) / 2 for 0 <= ax <= {@link #MAX_ABS}. */
    private static float halfErfc(float ax) {
        float square = ax * ax;
        // z^2 = x^2 / 2 = (square + squareLo) / 2 exactly; the large part stays exact through the exp's reduction.
        float squareLo = Math.fma(ax, ax, -square);
        float halfSquare = square * HALF;
        float z = ax * INV_SQRT2;
        float t = 1f / Math.fma(HALF, z, 1f);
        float p = Math.fma(P9, t, P8);
        p = Math.fma(p, t, P7);
        p = Math.fma(p, t, P6);
        p = Math.fma(p, t, P5);
        p = Math.fma(p, t, P4);
        p = Math.fma(p, t, P3);
        p = Math.fma(p, t, P2);
        p = Math.fma(p, t, P1);
        p = Math.fma(p, t, P0);
        float small = Math.fma(-HALF, squareLo, p);
        return HALF * t * FastExp.expOfSum(-halfSquare, small);
    }
}
