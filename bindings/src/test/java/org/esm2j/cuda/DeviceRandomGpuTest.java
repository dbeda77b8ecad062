package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.cuda.DeviceWeights.Param;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Random fills and random device weights on a real device (tag "gpu"; skipped without one): the fill equals its host
 * reference bit for bit in every dtype, also past 2^31 elements ("stress": 4 GB, kept out of the sanitizer runs);
 * every tensor of {@link DeviceWeights#random} is finite and in its intended range, the LM head is the tied embedding
 * with zero padding; and a forward pass on random weights gives finite logits that match the fp32 CPU path run on the
 * same (downloaded) weights.
 */
@Tag("gpu")
class DeviceRandomGpuTest {

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
    }

    @Test
    void fillEqualsTheHostReferenceBitForBit() {
        // More elements than one pass of the capped grid (8192 blocks x 256 threads), so the grid-stride loop turns.
        long count = 5_000_011;
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            try (DeviceBuffer x = DeviceBuffer.allocate(dtype, count, "a test fill")) {
                DeviceRandom.fill(x.pointer(), count, dtype, 1234, 0.75f, null);
                synchronize();
                assertSliceMatches(x, 0, (int) count, 1234, 0.75f);
            }
        }
    }

    @Test
    @Tag("stress")
    void fillReachesElementsPastTwoToTheThirtyOne() {
        long count = (1L << 31) + 4099;
        long bytes = count * DType.BF16.byteSize();
        assumeTrue(freeDeviceBytes() > bytes + (1L << 30), "needs 5 GB of free device memory");
        try (DeviceBuffer x = DeviceBuffer.allocate(DType.BF16, count, "a test fill")) {
            DeviceRandom.fill(x.pointer(), count, DType.BF16, -99, 2f, null);
            synchronize();
            assertSliceMatches(x, 0, 4096, -99, 2f);
            assertSliceMatches(x, (1L << 31) - 4096, 8192, -99, 2f);
            assertSliceMatches(x, count - 4096, 4096, -99, 2f);
        }
    }

    @Test
    void randomWeightsAreFiniteAndInTheirIntendedRanges() {
        Esm2Config c = Esm2Config.of(2, 320, 20);
        try (DeviceWeights w = DeviceWeights.random(c, DType.BF16, 5, null)) {
            Map<String, float[]> values = download(w, c, DType.BF16);
            int v = c.vocabSize();
            int d = c.embedDim();
            for (Param p : DeviceWeights.layout(c, DType.BF16)) {
                float[] x = values.get(p.name());
                switch (p.role()) {
                    case EMBEDDING, MATRIX -> assertUniform(p.name(), x, DeviceWeights.WEIGHT_SCALE);
                    case BIAS -> assertUniform(p.name(), x, DeviceWeights.BIAS_SCALE);
                    case NORM_GAIN -> {
                        for (float g : x) {
                            assertTrue(Math.abs(g - 1) <= DeviceWeights.GAIN_SCALE, p.name() + " gain " + g);
                        }
                    }
                    case INV_FREQ -> assertArrayEquals(DeviceWeights.inverseFrequencies(c.headDim()), x, p.name());
                    case LM_OUT -> {
                        float[] embed = values.get(Esm2Weights.EMBED_TOKENS);
                        for (int i = 0; i < x.length; i++) {
                            float expected = i < v * d ? HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(embed[i])) : 0f;
                            assertEquals(expected, x[i], "LM-head row " + i / d + " column " + i % d);
                        }
                    }
                    case LM_OUT_BIAS -> {
                        assertUniform(p.name(), Arrays.copyOf(x, v), DeviceWeights.BIAS_SCALE);
                        for (int i = v; i < x.length; i++) {
                            assertEquals(0f, x[i], "padded LM-head bias " + i);
                        }
                    }
                }
            }
        }
        // Seeded: the same seed gives the same table, another seed another one.
        try (DeviceWeights a = DeviceWeights.random(c, DType.BF16, 5, null);
                DeviceWeights b = DeviceWeights.random(c, DType.BF16, 6, null)) {
            float[] first = download(a, param(c, Esm2Weights.layer(1, "fc2.weight")));
            float[] again;
            try (DeviceWeights same = DeviceWeights.random(c, DType.BF16, 5, null)) {
                again = download(same, param(c, Esm2Weights.layer(1, "fc2.weight")));
            }
            NumericAssert.assertClose("same seed", again, first, 0, 0);
            float[] other = download(b, param(c, Esm2Weights.layer(1, "fc2.weight")));
            assertTrue(other[0] != first[0] || other[1] != first[1], "another seed must give other values");
        }
    }

    @Test
    void forwardOnRandomWeightsMatchesTheCpuPathOnTheSameWeights() {
        Esm2Config c = Esm2Config.of(3, 320, 20);
        List<int[]> tokens = List.of(sequence(5, 1), sequence(97, 2), sequence(300, 3));
        ForwardRequest request = ForwardRequest.logitsOnly();
        Esm2Weights host;
        ForwardResult gpuResult;
        DeviceWeights weights = DeviceWeights.random(c, DType.BF16, 17, null);
        try (CudaRuntime gpu = new CudaRuntime(c, DType.BF16, weights)) { // the runtime owns the weights now
            host = hostCopy(download(weights, c, DType.BF16), c);
            gpuResult = gpu.forward(tokens, request);
        }
        ForwardResult cpuResult;
        try (Esm2Runtime cpu = new CpuBackend().load(host)) {
            cpuResult = cpu.forward(tokens, request);
        }
        for (int b = 0; b < tokens.size(); b++) {
            float[] logits = gpuResult.logits(b);
            double sum = 0;
            double sumSquares = 0;
            for (float x : logits) {
                assertTrue(Float.isFinite(x), "logit " + x);
                sum += x;
                sumSquares += x * x;
            }
            double std = Math.sqrt(sumSquares / logits.length - (sum / logits.length) * (sum / logits.length));
            System.out.printf("random weights seq %d: logit std %.4f%n", b, std);
            assertTrue(std > 1e-2, "logits must vary, std " + std);
            // Random logits are ~0.4 in size; bf16 activations over three layers stay well inside 2e-2.
            NumericAssert.assertClose("random weights seq " + b + " logits", logits, cpuResult.logits(b), 2e-2,
                    2e-2);
        }
    }

    /** {@code <cls>}, residues, {@code <eos>}. */
    private static int[] sequence(int length, int seed) {
        int[] s = new int[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 1; i < length - 1; i++) {
            s[i] = 4 + random.nextInt(20);
        }
        s[length - 1] = 2;
        return s;
    }

    /** Canonical checkpoint tensors from the device layout: q/k/v split, the tied and padded copies dropped. */
    private static Esm2Weights hostCopy(Map<String, float[]> values, Esm2Config c) {
        Map<String, long[]> shapes = Esm2Weights.expectedShapes(c, false);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int d = c.embedDim();
        String[] projections = {"q_proj", "k_proj", "v_proj"};
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            float[] x;
            int projection = projectionIndex(name, projections);
            if (projection >= 0) {
                String prefix = name.substring(0, name.indexOf("self_attn."));
                boolean weight = name.endsWith(".weight");
                float[] fused = values.get(prefix + (weight ? DeviceWeights.QKV_WEIGHT : DeviceWeights.QKV_BIAS));
                int part = weight ? d * d : d;
                x = Arrays.copyOfRange(fused, projection * part, (projection + 1) * part);
            } else if (name.equals(Esm2Weights.LM_HEAD_BIAS)) {
                x = Arrays.copyOf(values.get(name), c.vocabSize());
            } else {
                x = values.get(name);
            }
            tensors.put(name, Tensor.ofFloats(x, e.getValue()));
        }
        return new Esm2Weights(c, tensors);
    }

    private static int projectionIndex(String name, String[] projections) {
        for (int i = 0; i < projections.length; i++) {
            if (name.contains("self_attn." + projections[i] + ".")) {
                return i;
            }
        }
        return -1;
    }

    private static void assertUniform(String name, float[] x, float scale) {
        double sumSquares = 0;
        float max = 0;
        for (float value : x) {
            assertTrue(Float.isFinite(value), name + " has " + value);
            // bf16 rounding may land exactly on the scale, never past it by more than its half ulp.
            assertTrue(Math.abs(value) <= scale * (1 + 0x1p-8), name + " value " + value + " beyond " + scale);
            sumSquares += (double) value * value;
            max = Math.max(max, Math.abs(value));
        }
        double std = Math.sqrt(sumSquares / x.length);
        double expected = scale / Math.sqrt(3);
        // The standard deviation of n uniform values is known to about 1.1 / sqrt(n) relative; 33 values is the least.
        double tolerance = expected * 4 / Math.sqrt(x.length) + expected * 0.01;
        assertEquals(expected, std, tolerance, name + " standard deviation");
        assertTrue(max > scale * 0.5, name + " max |value| " + max);
    }

    private static Param param(Esm2Config c, String name) {
        return DeviceWeights.layout(c, DType.BF16).stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow();
    }

    private static Map<String, float[]> download(DeviceWeights w, Esm2Config c, DType dtype) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Param p : DeviceWeights.layout(c, dtype)) {
            out.put(p.name(), download(w, p));
        }
        return out;
    }

    private static float[] download(DeviceWeights w, Param p) {
        float[] out = new float[Math.toIntExact(p.elements())];
        try (BytePointer host = new BytePointer(p.bytes())) {
            CudaDevice.download(host.address(), w.tensor(p.name()), p.bytes(), p.name());
            ByteBuffer buffer = host.asByteBuffer().order(ByteOrder.nativeOrder());
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (p.dtype()) {
                    case F32 -> buffer.getFloat(4 * i);
                    case BF16 -> HalfFloats.bf16ToFloat(buffer.getShort(2 * i));
                    case F16 -> HalfFloats.f16ToFloat(buffer.getShort(2 * i));
                    default -> throw new IllegalArgumentException(p.dtype().toString());
                };
            }
        }
        return out;
    }

    /** Compares {@code n} elements from {@code first} with the reference bits, reporting the first difference. */
    private static void assertSliceMatches(DeviceBuffer x, long first, int n, long seed, float scale) {
        DType dtype = x.dtype();
        int size = dtype.byteSize();
        try (BytePointer host = new BytePointer((long) n * size)) {
            CudaDevice.download(host.address(), x.slice(first, n), (long) n * size, "a fill");
            ByteBuffer buffer = host.asByteBuffer().order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                long index = first + i;
                int actual = size == 4 ? buffer.getInt(4 * i) : buffer.getShort(2 * i) & 0xffff;
                int expected = RandomFillReference.bits(seed, index, scale, dtype);
                if (actual != expected) {
                    throw new AssertionError(String.format("%s fill differs at element %d: bits %08x, reference %08x"
                            + " (%s)", dtype, index, actual, expected, RandomFillReference.value(seed, index, scale)));
                }
            }
        }
        System.out.printf("%s fill: %d elements from %d equal the reference bit for bit%n", dtype, n, first);
    }

    private static void synchronize() {
        CudaDevice.synchronize(null, "the fills on the default stream");
    }

    private static long freeDeviceBytes() {
        return CudaDevice.memoryInfo()[0];
    }
}
