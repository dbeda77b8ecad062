package org.esm2j.cuda;

import org.bytedeco.javacpp.Pointer;
import org.esm2j.cuda.Esm2jCuda.esm2j_fill_random_params;
import org.esm2j.tensor.DType;

/**
 * Random values made in device memory ({@code esm2j_fill_random}): element i of a fill is
 * {@code uniform(-scale, scale)} from a counter-based hash of (seed, i), so benchmark weights of any size need no host
 * copy. The hash is SplitMix64: its top 23 bits k give {@code scale * ((k + 0.5) * 2^-22 - 1)}, rounded to fp32 and then
 * to the dtype; the 64-bit values are those of {@code new java.util.SplittableRandom(seed).nextLong()} in order.
 * Arguments are checked here, naming the argument, before the native call; the fill is only enqueued on
 * {@code stream} (null for the default stream).
 */
public final class DeviceRandom {
    private DeviceRandom() {}

    /** Fills {@code count} elements of {@code dtype} (F32, F16 or BF16) at device address {@code x}. */
    public static void fill(Pointer x, long count, DType dtype, long seed, float scale, Pointer stream) {
        try (esm2j_fill_random_params p = params(x, count, dtype, seed, scale, stream)) {
            CudaKernels.check(Esm2jCuda.esm2j_fill_random(p));
        }
    }

    /** Fills every element of {@code x} in its dtype (F32, F16 or BF16). */
    static void fill(DeviceBuffer x, long seed, float scale, Pointer stream) {
        fill(x.pointer(), x.length(), x.dtype(), seed, scale, stream);
    }

    static esm2j_fill_random_params params(Pointer x, long count, DType dtype, long seed, float scale,
            Pointer stream) {
        if (x == null || x.isNull()) {
            throw new IllegalArgumentException("x must be a device pointer, got null");
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
        int code = CudaKernels.dtypeCode("dtype", dtype);
        if (count > Long.MAX_VALUE / dtype.byteSize()) {
            throw new IllegalArgumentException("count must be at most " + Long.MAX_VALUE / dtype.byteSize() + " "
                    + dtype + " elements (its byte size must fit a long), got " + count);
        }
        if (!(scale >= 0f) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and non-negative, got " + scale);
        }
        return new esm2j_fill_random_params().x(x).count(count).seed(seed).scale(scale).dtype(code).stream(stream);
    }
}
