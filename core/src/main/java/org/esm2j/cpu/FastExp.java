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
    /** The bit pattern of ROUND_MAGIC; the bits of ROUND_MAGIC + n are ROUND_MAGIC_BITS + n for |n| < 2^22. */
    static final int ROUND_MAGIC_BITS = 0x4B400000;
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
        return polynomial(r) * pow2(n);
    }

    /**
     * exp(big + small) without rounding big + small to a float first: big (in [-87, 0]) goes through the exact part
     * of the reduction on its own and small (|small| below about 2) is added to the reduced argument, so the result
     * keeps its relative accuracy when big is large, as in erfc's exp(-z^2 + P).
     */
    static float expOfSum(float big, float small) {
        float n = ((big + small) * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(-n, LN2_HI, big);
        r = Math.fma(-n, LN2_LO, r);
        return polynomial(r + small) * pow2(n);
    }

    /** e^r for |r| <= ln2/2 (a little beyond is fine): degree-7 Taylor in Horner form. */
    private static float polynomial(float r) {
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        return Math.fma(p, r, 1f);
    }

    /** 2^n for an integral float n in [-126, 127], from exponent bits. */
    private static float pow2(float n) {
        return Float.intBitsToFloat(((int) n + 127) << 23);
    }
}
