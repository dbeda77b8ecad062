package org.esm2j.cuda;

import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;

/**
 * The host reference of {@code esm2j_fill_random}, written from its contract (fill_random.cuh): SplitMix64 of
 * (seed, i), its top 23 bits k mapped to {@code scale * ((k + 0.5) * 2^-22 - 1)} in fp32, then rounded to the dtype.
 */
final class RandomFillReference {
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private RandomFillReference() {}

    /** The i-th output of SplitMix64 seeded with {@code seed} (random access into SplittableRandom's sequence). */
    static long hash(long seed, long index) {
        long z = seed + (index + 1) * GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Element {@code index} of a fill in fp32, before rounding to the dtype. */
    static float value(long seed, long index, float scale) {
        float k = hash(seed, index) >>> 41;
        float u = (k + 0.5f) * 0x1p-22f - 1f;
        return scale * u;
    }

    /** The element's bits as the device stores them: fp32 bits, or the 16-bit pattern in the low half. */
    static int bits(long seed, long index, float scale, DType dtype) {
        float v = value(seed, index, scale);
        return switch (dtype) {
            case F32 -> Float.floatToRawIntBits(v);
            case F16 -> HalfFloats.floatToF16(v) & 0xffff;
            case BF16 -> HalfFloats.floatToBf16(v) & 0xffff;
            default -> throw new IllegalArgumentException("no fill in " + dtype);
        };
    }
}
