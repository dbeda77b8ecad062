package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.bench.RandomWeights;
import org.esm2j.cuda.DeviceWeights.Param;
import org.esm2j.cuda.DeviceWeights.Role;
import org.esm2j.cuda.Esm2jCuda.esm2j_fill_random_params;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Random device weights, checked without a GPU: the fill's reference against the JDK's SplitMix64, the Java and
 * native argument checks of {@link DeviceRandom}, and the device-weight layout that both the uploaded and the random
 * weights allocate (tensor count, bytes, the checkpoint values that fill each tensor, gains and inv_freq).
 */
class DeviceRandomHostTest {

    /** A non-null address that is never dereferenced. */
    private static Pointer fake(long deviceAddress) {
        return new Pointer() {
            {
                address = deviceAddress;
            }
        };
    }

    @Test
    void referenceHashIsSplittableRandomsSequenceAndValuesStayInsideTheScale() {
        for (long seed : new long[] {0, 42, -7, Long.MIN_VALUE}) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) {
                assertEquals(random.nextLong(), RandomFillReference.hash(seed, i), "seed " + seed + " index " + i);
            }
        }
        double sum = 0;
        float max = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            float v = RandomFillReference.value(3, (1L << 31) - n / 2 + i, 0.5f);
            assertTrue(Math.abs(v) < 0.5f, "value " + v + " at " + i);
            sum += v;
            max = Math.max(max, Math.abs(v));
        }
        // uniform(-0.5, 0.5): mean 0 with standard error 0.29 / sqrt(n) = 6.5e-4; the extremes come within 1e-4.
        assertTrue(Math.abs(sum / n) < 4e-3, "mean " + sum / n);
        assertTrue(max > 0.4999f, "max |value| " + max);
    }

    @Test
    void javaChecksNameTheArgument() {
        assertEquals("x must be a device pointer, got null", rejection(null, 10, DType.BF16, 1f));
        assertEquals("count must not be negative, got -1", rejection(fake(0x1000), -1, DType.BF16, 1f));
        assertEquals("dtype must be F32, F16 or BF16, got I32", rejection(fake(0x1000), 10, DType.I32, 1f));
        assertEquals("scale must be finite and non-negative, got NaN",
                rejection(fake(0x1000), 10, DType.F16, Float.NaN));
        assertEquals("scale must be finite and non-negative, got -0.5", rejection(fake(0x1000), 10, DType.F32, -0.5f));
        assertEquals("scale must be finite and non-negative, got Infinity",
                rejection(fake(0x1000), 10, DType.F32, Float.POSITIVE_INFINITY));
        assertTrue(rejection(fake(0x1000), Long.MAX_VALUE / 2, DType.F32, 1f)
                .startsWith("count must be at most 2305843009213693951 F32 elements"));
    }

    private static String rejection(Pointer x, long count, DType dtype, float scale) {
        return assertThrows(IllegalArgumentException.class, () -> DeviceRandom.fill(x, count, dtype, 1, scale, null))
                .getMessage();
    }

    @Test
    void paramsCarryTheValuesTheNativeCodeReads() {
        assumeNativeLibrary();
        long count = (1L << 31) + 12345; // more than an int: the count must stay 64-bit all the way
        try (esm2j_fill_random_params p = DeviceRandom.params(fake(0x1000), count, DType.BF16, -3, 0.25f,
                fake(0x7000))) {
            assertEquals(0x1000, p.x().address());
            assertEquals(count, p.count());
            assertEquals(-3, p.seed()); // uint64 0xFFFF...FD on the native side
            assertEquals(0.25f, p.scale());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_BF16, p.dtype());
            assertEquals(0x7000, p.stream().address());
        }
    }

    @Test
    void nativeChecksNameTheField() {
        assumeNativeLibrary();
        try (esm2j_fill_random_params p = new esm2j_fill_random_params()) {
            p.x(fake(0x1000)).count(-1).seed(1).scale(1f).dtype(Esm2jCuda.ESM2J_DTYPE_F32);
            assertNativeRejection(p, "esm2j_fill_random: count must be in [0, 2305843009213693951], got -1");
            p.count(10).dtype(3);
            assertNativeRejection(p, "esm2j_fill_random: dtype must be an esm2j_dtype");
            p.dtype(Esm2jCuda.ESM2J_DTYPE_F32).x(fake(0x1002));
            assertNativeRejection(p, "esm2j_fill_random: x must be aligned to its 4-byte elements");
            p.x(fake(0x1000)).scale(Float.NaN);
            assertNativeRejection(p, "esm2j_fill_random: scale must be finite and non-negative");
            p.x(null).scale(1f);
            assertNativeRejection(p, "esm2j_fill_random: x must not be null");
            // Nothing to fill is valid and launches nothing, with or without a device.
            p.x(fake(0x1000)).count(0);
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_fill_random(p));
        }
        assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_fill_random(null));
        assertTrue(Esm2jCuda.esm2j_last_error().getString().contains("params must not be null"));
    }

    private static void assertNativeRejection(esm2j_fill_random_params p, String expected) {
        assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_fill_random(p));
        String message = Esm2jCuda.esm2j_last_error().getString();
        assertTrue(message.startsWith(expected), message);
    }

    @Test
    void failedLaunchReportsTheCudaErrorWithFileAndLine() {
        assumeNativeLibrary();
        // With a device the fake pointer would be written by a real kernel; this path is for GPU-less machines only.
        assumeTrue(CudaLibrary.deviceUnavailableReason().isPresent(), "a CUDA device is present");
        CudaException e = assertThrows(CudaException.class,
                () -> DeviceRandom.fill(fake(0x1000), 1000, DType.BF16, 1, 1f, null));
        assertEquals(Esm2jCuda.ESM2J_ERROR_CUDA, e.status());
        assertTrue(e.getMessage().matches("(esm2j_\\w+: )?cudaError\\w+: .* (in launch of fill_random_kernel at fill_random\\.cu:\\d+"
                + "|was pending from earlier asynchronous work; nothing was launched)"),
                e.getMessage());
    }

    @Test
    void layoutHasOneTensorPerDeviceBufferWithTheBytesOfTheModel() {
        for (Esm2Config c : List.of(Esm2Config.of(2, 64, 4), Esm2Config.of(6, 320, 20), Esm2Config.of(48, 5120, 40))) {
            List<Param> layout = DeviceWeights.layout(c, DType.BF16);
            long l = c.numLayers();
            long d = c.embedDim();
            long f = c.ffnDim();
            long padded = DeviceWeights.logitColumns(c);
            // Checkpoint tensors, with q/k/v weights and biases fused (6 -> 2 per layer) and the tied LM-head matrix
            // stored a second time in the matrix dtype.
            assertEquals(Esm2Weights.expectedShapes(c, false).size() - 4 * l + 1, layout.size(), "tensors of " + c);
            long matrices = l * (4 * d * d + 2 * d * f) + d * d + padded * d;
            long small = c.vocabSize() * d // fp32 embedding table
                    + l * (3 * d + d + f + d + 4 * d + c.headDim() / 2) // biases, LayerNorm affine, inv_freq
                    + 2 * d + d + 2 * d + padded; // final LN, LM dense bias, LM LN, padded LM bias
            assertEquals(2 * matrices + 4 * small, layout.stream().mapToLong(Param::bytes).sum(), "bytes of " + c);
            Set<String> names = new HashSet<>();
            for (Param p : layout) {
                assertTrue(names.add(p.name()), "duplicate tensor " + p.name());
                boolean matrix = p.role() == Role.MATRIX || p.role() == Role.LM_OUT;
                assertEquals(matrix ? DType.BF16 : DType.F32, p.dtype(), p.name());
            }
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            layout.forEach(p -> roles.add(p.role()));
            assertEquals(EnumSet.allOf(Role.class), roles, "every role occurs");
        }
        // 15B in bf16: 30.3 GB on the device (60 GB as host floats, which made host-side random weights impossible).
        assertEquals(30_265_397_408L, DeviceWeights.layout(Esm2Config.of(48, 5120, 40), DType.BF16).stream()
                .mapToLong(Param::bytes).sum());
    }

    @Test
    void checkpointValuesFillEachTensorOfTheLayoutExactly() {
        Esm2Config c = Esm2Config.of(2, 64, 4);
        Esm2Weights w = RandomWeights.create(c, 11);
        int d = c.embedDim();
        int v = c.vocabSize();
        for (Param p : DeviceWeights.layout(c, DType.F16)) {
            assertEquals(p.elements(), DeviceWeights.hostValues(w, p).length, p.name());
        }
        float[] qkv = DeviceWeights.hostValues(w, param(c, Esm2Weights.layer(1, DeviceWeights.QKV_WEIGHT)));
        float[] k = w.floats(Esm2Weights.layer(1, "self_attn.k_proj.weight"));
        assertArrayEquals(k, Arrays.copyOfRange(qkv, d * d, 2 * d * d));
        float[] qkvBias = DeviceWeights.hostValues(w, param(c, Esm2Weights.layer(1, DeviceWeights.QKV_BIAS)));
        assertArrayEquals(w.floats(Esm2Weights.layer(1, "self_attn.v_proj.bias")),
                Arrays.copyOfRange(qkvBias, 2 * d, 3 * d));
        float[] lmOut = DeviceWeights.hostValues(w, param(c, DeviceWeights.LM_OUT_WEIGHT));
        assertArrayEquals(w.floats(Esm2Weights.EMBED_TOKENS), Arrays.copyOf(lmOut, v * d));
        assertTrue(allZero(Arrays.copyOfRange(lmOut, v * d, lmOut.length)), "padded LM-head rows must be zero");
        float[] lmBias = DeviceWeights.hostValues(w, param(c, Esm2Weights.LM_HEAD_BIAS));
        assertArrayEquals(w.floats(Esm2Weights.LM_HEAD_BIAS), Arrays.copyOf(lmBias, v));
        assertTrue(allZero(Arrays.copyOfRange(lmBias, v, lmBias.length)), "padded LM-head bias must be zero");
    }

    private static Param param(Esm2Config c, String name) {
        return DeviceWeights.layout(c, DType.F16).stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow();
    }

    private static boolean allZero(float[] values) {
        for (float x : values) {
            if (x != 0f) {
                return false;
            }
        }
        return true;
    }

    @Test
    void inverseFrequenciesAreTheFp16RoundedRotaryFormula() {
        for (int headDim : new int[] {16, 24, 32, 64, 128}) {
            float[] f = DeviceWeights.inverseFrequencies(headDim);
            assertEquals(headDim / 2, f.length);
            assertEquals(1f, f[0]);
            for (int i = 0; i < f.length; i++) {
                double exact = 1 / Math.pow(10000, 2.0 * i / headDim);
                // fp16 keeps 11 significant bits: within half an ulp of 2^-10 relative, plus the fp32 steps.
                assertEquals(exact, f[i], exact * 0x1p-11 * 1.01, "headDim " + headDim + " i " + i);
                assertTrue(i == 0 || f[i] < f[i - 1], "inv_freq must decrease");
            }
        }
        // The value every released 15B checkpoint stores last: fp16(1 / 10000^(126/128)).
        assertEquals((float) 1.1545419692993164e-4, DeviceWeights.inverseFrequencies(128)[63]);
    }

    @Test
    void gainsAreNearOneAndScalesHaveRandomWeightsDeviations() {
        float[] gains = DeviceWeights.gains(5120, 9);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float g : gains) {
            min = Math.min(min, g);
            max = Math.max(max, g);
        }
        assertTrue(min >= 1 - DeviceWeights.GAIN_SCALE && max <= 1 + DeviceWeights.GAIN_SCALE, min + " .. " + max);
        assertTrue(max - min > DeviceWeights.GAIN_SCALE, "gains must vary: " + min + " .. " + max);
        assertArrayEquals(gains, DeviceWeights.gains(5120, 9), "seeded");
        assertNotEquals(gains[0], DeviceWeights.gains(5120, 10)[0]);
        // Standard deviation of uniform(-a, a) is a / sqrt(3).
        assertEquals(0.02, DeviceWeights.WEIGHT_SCALE / Math.sqrt(3), 1e-8);
        assertEquals(0.01, DeviceWeights.BIAS_SCALE / Math.sqrt(3), 1e-8);
        assertEquals(0.05, DeviceWeights.GAIN_SCALE / Math.sqrt(3), 1e-8);
    }

    @Test
    void benchmarkSizesAreTheReleasedShapesOfThePerformanceTable() {
        // docs/PERFORMANCE.md: parameters and forward GFLOP per token at T = 512.
        String[] sizes = {"8M", "35M", "150M", "650M", "3B", "15B"};
        double[] params = {7.5e6, 33.5e6, 148e6, 651e6, 2.84e9, 15.1e9};
        double[] gflops = {0.019, 0.079, 0.335, 1.387, 5.864, 30.76};
        for (int i = 0; i < sizes.length; i++) {
            Esm2Config c = GpuForwardBenchmark.config(sizes[i]);
            assertEquals(4 * c.embedDim(), c.ffnDim(), sizes[i]);
            assertEquals(params[i], c.parameterCount(), params[i] * 0.01, sizes[i] + " parameters");
            assertEquals(gflops[i], GpuForwardBenchmark.flopsPerToken(c, 512) / 1e9, gflops[i] * 0.01,
                    sizes[i] + " GFLOP per token");
        }
        Esm2Config c15B = GpuForwardBenchmark.config("15B");
        assertEquals(48, c15B.numLayers());
        assertEquals(128, c15B.headDim());
    }

    @Test
    void benchmarkBudgetBoundsWarmUpAndTimedPasses() {
        GpuForwardBenchmark.Budget budget = new GpuForwardBenchmark.Budget(3, 10, 12);
        assertEquals(10, budget.timedIterations(0.01), "fast shapes run the full count");
        assertEquals(3, budget.timedIterations(2.5), "9 s of the 12 s budget fit 3 passes of 2.5 s");
        assertEquals(2, budget.timedIterations(30), "at least two timed passes");
        assertTrue(budget.warmedUp(3, 0.1));
        assertTrue(!budget.warmedUp(1, 1.0), "fewer passes than asked within a quarter of the budget");
        assertTrue(budget.warmedUp(1, 3.5), "a quarter of the budget spent ends the warm-up");
        assertTrue(!new GpuForwardBenchmark.Budget(0, 10, 12).warmedUp(0, 100), "at least one warm-up pass");
    }

    private static void assumeNativeLibrary() {
        assumeTrue(CudaLibrary.loadFailure().isEmpty(), () -> CudaLibrary.loadFailure().orElseThrow());
    }
}
