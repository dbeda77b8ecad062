package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.esm2j.cuda.Gemm.Implementation;
import org.esm2j.cuda.Gemm.Policy;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hand-written matmul through Gemm against an fp64 CPU reference (from the same bf16-rounded inputs) and against
 * cuBLASLt, on awkward shapes: 1, 97 and 1025 rows; the LM head's 40 outputs; K = 328, not a multiple of the kernel's
 * 32-wide k-slice; the three production epilogues (plain bf16 QKV, bias + accumulate into the fp32 residual, fused
 * bias + GELU). Rule: every element within tolerance, and err(hand-written) <= 2 * err(cuBLASLt) + atol. The auto
 * policy must time both, record its choice, and leave the accumulated y correct (the timing writes elsewhere). Runs
 * only where a CUDA device is visible (tag "gpu").
 */
@Tag("gpu")
class HandwrittenMatmulGpuTest {
    private static Pointer stream;

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
        // The comparison is against cuBLASLt, which the emulator lacks (its own tests check the kernel against fp64).
        assumeFalse(CudaLibrary.emulated(), "cuBLASLt is not emulated");
        stream = CudaDevice.createStream();
    }

    @AfterAll
    static void destroyStream() {
        if (stream != null) {
            CudaDevice.destroyStream(stream);
        }
    }

    /** The production epilogues: QKV, out_proj/fc2 onto the residual, fc1/LM dense. */
    enum Mode {
        PLAIN, RESIDUAL, GELU
    }

    @ParameterizedTest
    @CsvSource({"1, 328, 40, RESIDUAL", "97, 328, 40, PLAIN", "1025, 320, 40, RESIDUAL", "1, 320, 320, GELU",
            "97, 320, 320, RESIDUAL", "1025, 328, 320, GELU", "1025, 320, 320, PLAIN", "97, 320, 3840, PLAIN",
            "97, 1280, 320, GELU"})
    void matchesTheCpuReferenceAndCuBlasLt(int rows, int in, int out, Mode mode) {
        Random random = new Random(31L * rows + in + 7L * out);
        float[] x = bf16Rounded(gaussian(random, (long) rows * in, 1.0));
        float[] w = bf16Rounded(gaussian(random, (long) out * in, 1.0 / Math.sqrt(in)));
        float[] bias = gaussian(random, out, 0.5);
        DType yType = mode == Mode.RESIDUAL ? DType.F32 : DType.BF16;
        float[] y0 = mode == Mode.RESIDUAL ? gaussian(random, (long) rows * out, 1.0) : new float[rows * out];
        float[] expected = reference(x, w, bias, y0, rows, in, out, mode);
        Gemm.Shape shape = new Gemm.Shape(rows, in, out, out, DType.BF16, yType, mode != Mode.PLAIN,
                mode == Mode.RESIDUAL);
        double atol = yType == DType.F32 ? 1e-4 : 2e-3;
        double rtol = yType == DType.F32 ? 1e-5 : 1.0 / 256;
        String what = rows + " x " + in + " x " + out + " " + mode;

        try (DeviceBuffers device = new DeviceBuffers()) {
            DeviceBuffer dx = device.upload(x, DType.BF16);
            DeviceBuffer dw = device.upload(w, DType.BF16);
            DeviceBuffer dBias = device.upload(bias, DType.F32);
            DeviceBuffer dy = device.allocate(yType, (long) rows * out);
            float[] cublasLt = run(Policy.CUBLASLT, device, dx, dw, dy, dBias, y0, shape, mode);
            float[] handwritten = run(Policy.ESM2J, device, dx, dw, dy, dBias, y0, shape, mode);
            NumericAssert.Comparison lt = NumericAssert.assertClose(what + " cuBLASLt", cublasLt, expected, atol, rtol);
            NumericAssert.Comparison ours = NumericAssert.assertClose(what + " esm2j", handwritten, expected, atol,
                    rtol);
            assertTrue(ours.maxAbs() <= 2 * lt.maxAbs() + atol,
                    what + ": esm2j error " + ours.maxAbs() + " > 2 x cuBLASLt error " + lt.maxAbs() + " + " + atol);

            try (Gemm gemm = new Gemm(stream, Policy.AUTO)) {
                float[] auto = runOn(gemm, device, dx, dw, dy, dBias, y0, shape, mode);
                NumericAssert.assertClose(what + " auto", auto, expected, atol, rtol);
                List<Gemm.Selection> selections = gemm.selections();
                assertEquals(1, selections.size());
                Gemm.Selection selection = selections.get(0);
                System.out.print(Gemm.selectionTable(selections));
                assertTrue(selection.cublasLtMs() > 0 && selection.esm2jMs() > 0, selection.toString());
                assertEquals(selection.esm2jMs() < selection.cublasLtMs() ? Implementation.ESM2J
                        : Implementation.CUBLASLT, selection.chosen());
            }
        }
    }

    private static float[] run(Policy policy, DeviceBuffers device, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y,
            DeviceBuffer bias, float[] y0, Gemm.Shape shape, Mode mode) {
        try (Gemm gemm = new Gemm(stream, policy)) {
            float[] result = runOn(gemm, device, x, w, y, bias, y0, shape, mode);
            assertEquals(policy == Policy.ESM2J ? Implementation.ESM2J : Implementation.CUBLASLT,
                    gemm.selections().get(0).chosen());
            return result;
        }
    }

    private static float[] runOn(Gemm gemm, DeviceBuffers device, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y,
            DeviceBuffer bias, float[] y0, Gemm.Shape shape, Mode mode) {
        device.write(y, y0);
        if (mode == Mode.GELU) {
            gemm.linearGelu(x, w, y, bias, shape);
        } else {
            gemm.linear(x, w, y, mode == Mode.RESIDUAL ? bias : null, shape);
        }
        CudaDevice.synchronize(stream, "a matmul");
        return device.read(y, y0.length);
    }

    private static float[] reference(float[] x, float[] w, float[] bias, float[] y0, int rows, int in, int out,
            Mode mode) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < out; c++) {
                double v = 0;
                for (int k = 0; k < in; k++) {
                    v += (double) x[r * in + k] * w[c * in + k];
                }
                if (mode != Mode.PLAIN) {
                    v += bias[c];
                }
                if (mode == Mode.GELU) {
                    v = 0.5 * v * (1 + erf(v / Math.sqrt(2)));
                }
                if (mode == Mode.RESIDUAL) {
                    v += y0[r * out + c];
                }
                y[r * out + c] = (float) v;
            }
        }
        return y;
    }

    /** erf to about 1e-15 from its Taylor series (|v| < 3) or the asymptotic complement; GELU needs no more. */
    private static double erf(double v) {
        double a = Math.abs(v);
        double result;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a^2) / (a sqrt(pi)) * (1 - 1/(2a^2) + 3/(4a^4) - ...), a few terms suffice for a >= 3.
            double inv = 1 / (2 * a * a);
            double series = 1 - inv + 3 * inv * inv - 15 * inv * inv * inv + 105 * inv * inv * inv * inv;
            result = 1 - Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * series;
        }
        return Math.copySign(result, v);
    }

    private static float[] gaussian(Random random, long n, double scale) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    private static float[] bf16Rounded(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[i]));
        }
        return v;
    }

    /** Device allocations of one test, freed together. */
    private static final class DeviceBuffers implements AutoCloseable {
        private final List<DeviceBuffer> owned = new ArrayList<>();

        DeviceBuffer allocate(DType dtype, long length) {
            DeviceBuffer buffer = DeviceBuffer.allocate(dtype, length, "a test buffer");
            owned.add(buffer);
            return buffer;
        }

        DeviceBuffer upload(float[] values, DType dtype) {
            DeviceBuffer buffer = allocate(dtype, values.length);
            write(buffer, values);
            return buffer;
        }

        /** Writes values in the buffer's dtype (F32 or BF16). */
        void write(DeviceBuffer buffer, float[] values) {
            if (buffer.dtype() == DType.F32) {
                try (FloatPointer host = new FloatPointer(values)) {
                    CudaDevice.upload(buffer, host.address(), 4L * values.length, "test input");
                }
                return;
            }
            short[] bits = new short[values.length];
            for (int i = 0; i < values.length; i++) {
                bits[i] = HalfFloats.floatToBf16(values[i]);
            }
            try (ShortPointer host = new ShortPointer(bits)) {
                CudaDevice.upload(buffer.require(DType.BF16), host.address(), 2L * values.length, "test input");
            }
        }

        float[] read(DeviceBuffer buffer, int count) {
            float[] out = new float[count];
            if (buffer.dtype() == DType.F32) {
                try (FloatPointer host = new FloatPointer(count)) {
                    CudaDevice.download(host.address(), buffer, 4L * count, "test output");
                    host.get(out);
                }
                return out;
            }
            short[] bits = new short[count];
            try (ShortPointer host = new ShortPointer(count)) {
                CudaDevice.download(host.address(), buffer.require(DType.BF16), 2L * count, "test output");
                host.get(bits);
            }
            for (int i = 0; i < count; i++) {
                out[i] = HalfFloats.bf16ToFloat(bits[i]);
            }
            return out;
        }

        @Override
        public void close() {
            owned.forEach(DeviceBuffer::close);
        }
    }
}
