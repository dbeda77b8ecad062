package org.esm2j.cpu;

/**
 * exp(x) for x <= 0 in float, as used by softmax after subtracting the row maximum. Cody-Waite reduction
 * x = n ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial for e^r (truncation error below 3e-9) and 2^n built from
 * exponent bits: about 2 ulp. Written with plain float operations only so that the scalar and vector kernels, in the
 * interpreter or compiled, give the same bits, which {@code Math.exp} and the Vector API's EXP do not promise.
 */
final class FastExp {
    /** Below this exp(x) is under the smallest normal float; inputs are clamped here (result ~1e-38, not 0). */
    static final float MIN_INPUT = -87.0f;
    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n * LN2_HI is exact for |n| < 2^11. */
    static final float LN2_HI = 0.693145751953125f;
    static final float LN2_LO = 1.42860682030941723e-6f;
    /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest integer. */
    static final float ROUND_MAGIC = 12582912f;
    static final float C2 = 1f / 2;
    static final float C3 = 1f / 6;
    static final float C4 = 1f / 24;
    static final float C5 = 1f / 120;
    static final float C6 = 1f / 720;
    static final float C7 = 1f / 5040;

    private FastExp() {
    }

    static float exp(float x) {
        float xc = Math.max(x, MIN_INPUT);
        float n = (xc * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(-n, LN2_HI, xc);
        r = Math.fma(-n, LN2_LO, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float scale = Float.intBitsToFloat(((int) n + 127) << 23);
        return p * scale;
    }
}
