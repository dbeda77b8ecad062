package org.esm2j.cuda;

import java.util.Optional;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.cuda.Esm2jCuda.esm2j_matmul_params;
import org.esm2j.tensor.DType;

/**
 * The hand-written tensor-core matmul of libesm2j_cuda ({@code esm2j_matmul_forward}): {@code y = epilogue(x W^T +
 * bias)} with x (rows, in) and W (out, in) row-major in F16 or BF16, fp32 accumulation, and in fp32 before one
 * rounding to y's dtype: the bias (fp32, out), then either exact erf-GELU or the addition of the existing y. Its
 * tensor-core loads move 16 bytes at a time, so {@code in} and the x and W row strides must be multiples of 8 and x
 * and W 16-byte aligned; {@link #unsupportedReason} tells a caller beforehand, and cuBLASLt covers the rest. Shapes
 * are checked here, naming the argument, before any native call; the call only enqueues work on {@code stream}.
 */
final class HandwrittenMatmul {
    private HandwrittenMatmul() {}

    /** Elements per 16-byte tensor-core load of a 16-bit type. */
    static final long LOAD_ELEMENTS = 8;

    /**
     * Why the kernel cannot run a product of this shape and these dtypes (contiguous x and W, so their row stride is
     * {@code in}), or empty when it can; addresses are checked per call by {@link #aligned}.
     */
    static Optional<String> unsupportedReason(long in, DType xType, DType yType, boolean gelu, boolean accumulate) {
        if (xType != DType.F16 && xType != DType.BF16) {
            return Optional.of("x and w must be F16 or BF16, got " + xType);
        }
        if (yType != DType.F32 && yType != DType.F16 && yType != DType.BF16) {
            return Optional.of("y must be F32, F16 or BF16, got " + yType);
        }
        if (in % LOAD_ELEMENTS != 0) {
            return Optional.of("in must be a multiple of 8 for 16-byte loads, got " + in);
        }
        if (gelu && accumulate) {
            return Optional.of("gelu and accumulate are exclusive");
        }
        return Optional.empty();
    }

    /** Whether x and W start on 16-byte boundaries, as the kernel's loads need. */
    static boolean aligned(long x, long w) {
        return x % 16 == 0 && w % 16 == 0;
    }

    /**
     * Enqueues {@code y = epilogue(x W^T + bias)}.
     *
     * @param x device address of (rows, in), xType, rows xRowStride elements apart
     * @param w device address of (out, in), xType, rows wRowStride elements apart
     * @param y device address of (rows, out), yType, rows yRowStride elements apart; must not overlap x or w
     * @param bias device address of fp32 (out), or 0 for none
     * @param gelu y = gelu(x W^T + bias)
     * @param accumulate y += x W^T + bias
     * @param stream a {@code cudaStream_t}, or null for the default stream
     */
    static void forward(long x, long w, long y, long bias, long rows, long in, long out, long xRowStride,
            long wRowStride, long yRowStride, DType xType, DType yType, boolean gelu, boolean accumulate,
            Pointer stream) {
        try (esm2j_matmul_params p = params(x, w, y, bias, rows, in, out, xRowStride, wRowStride, yRowStride, xType,
                yType, gelu, accumulate, stream)) {
            CudaKernels.check(Esm2jCuda.esm2j_matmul_forward(p));
        }
    }

    static esm2j_matmul_params params(long x, long w, long y, long bias, long rows, long in, long out,
            long xRowStride, long wRowStride, long yRowStride, DType xType, DType yType, boolean gelu,
            boolean accumulate, Pointer stream) {
        requireAddress("x", x);
        requireAddress("w", w);
        requireAddress("y", y);
        if (rows < 0 || rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("rows must be in 0..2^31-1, got " + rows);
        }
        requireDim("in", in);
        requireDim("out", out);
        requireStride("xRowStride", xRowStride, "in", in);
        requireStride("wRowStride", wRowStride, "in", in);
        requireStride("yRowStride", yRowStride, "out", out);
        Optional<String> unsupported = unsupportedReason(in, xType, yType, gelu, accumulate);
        if (unsupported.isPresent()) {
            throw new IllegalArgumentException(unsupported.get());
        }
        if (xRowStride % LOAD_ELEMENTS != 0 || wRowStride % LOAD_ELEMENTS != 0) {
            throw new IllegalArgumentException("xRowStride and wRowStride must be multiples of 8 for 16-byte loads, got "
                    + xRowStride + " and " + wRowStride);
        }
        if (!aligned(x, w)) {
            throw new IllegalArgumentException("x and w must be 16-byte aligned, got 0x" + Long.toHexString(x)
                    + " and 0x" + Long.toHexString(w));
        }
        return new esm2j_matmul_params()
                .x(CudaDevice.pointer(x)).w(CudaDevice.pointer(w)).y(CudaDevice.pointer(y))
                .bias(bias == 0 ? null : new FloatPointer(CudaDevice.pointer(bias)))
                .rows(rows).in(in).out(out).x_row_stride(xRowStride).w_row_stride(wRowStride)
                .y_row_stride(yRowStride).in_dtype(CudaKernels.dtypeCode("x", xType))
                .y_dtype(CudaKernels.dtypeCode("y", yType)).gelu(gelu ? 1 : 0).accumulate(accumulate ? 1 : 0)
                .stream(stream);
    }

    private static void requireAddress(String name, long address) {
        if (address == 0) {
            throw new IllegalArgumentException(name + " must be a device address, got 0");
        }
    }

    private static void requireDim(String name, long value) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be in 1..2^31-1, got " + value);
        }
    }

    private static void requireStride(String name, long stride, String dimName, long dim) {
        if (stride < dim) {
            throw new IllegalArgumentException(name + " must be at least " + dimName + " (" + dim + "), got " + stride);
        }
    }
}
