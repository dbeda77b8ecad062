package org.esm2j.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA forward pass in bf16 against the fp32 CPU runtime at the depths and widths of the released models, which
 * the two-layer fixtures of {@link CudaForwardGpuTest} do not reach: seeded random weights (RandomWeights: matrices
 * ~N(0, 0.02), LayerNorm gains ~1) of the esm2_t6_8M, t12_35M, t30_150M and t33_650M shapes (6 to 33 layers, dims 320
 * to 1280, head_dim 16, 24, 32 and 64), one packed batch of 1, 97 and 300 random residues (3, 99 and 302 tokens).
 * Per sequence the logits and the last representation, each comparison printing max abs / max rel error.
 *
 * <p>Tolerance: max abs error at most {@link #SCALE_FRACTION} of the largest |value| of that output (logits reach
 * ~1.0-2.2 here, representations ~3.4-4.2). Measured on the CPU against the same reference (8M to 650M, logits and
 * representations): the naive bf16 forward errs by 1.3-2.9% of that scale, and the same forward with the CUDA path's
 * fp32 residual stream by 0.8-1.9%; a wrong rotary, bias or scale errs by the whole scale.
 * Runs only where a CUDA device is visible (tag "gpu"); 150M and 650M (weights drawn on the host: ~5 and ~20 s, plus
 * the fp32 CPU pass) are also tagged "stress", which keeps them out of bench/gpu-check.sh's compute-sanitizer runs.
 */
@Tag("gpu")
class CudaRandomShapesGpuTest {
    private static final double SCALE_FRACTION = 0.05;
    private static final long SEED = 42;

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8M", "35M"})
    void smallShapesMatchTheFp32CpuPath(String size) {
        compareWithCpu(size);
    }

    @ParameterizedTest
    @ValueSource(strings = {"150M", "650M"})
    @Tag("stress")
    void largeShapesMatchTheFp32CpuPath(String size) {
        compareWithCpu(size);
    }

    private static void compareWithCpu(String size) {
        GpuWorkload w = GpuWorkload.random(size, SEED);
        GpuWorkload.Outputs expected = w.cpuFp32();
        GpuWorkload.Outputs actual = w.cudaBf16();
        for (int b = 0; b < w.tokens().size(); b++) {
            String what = w.name() + " bf16 seq " + b + " (" + w.tokens().get(b).length + " tokens)";
            float[] logits = expected.logits()[b];
            float[] last = expected.lastRepresentation()[b];
            NumericAssert.assertClose(what + " logits", actual.logits()[b], logits, SCALE_FRACTION * maxAbs(logits),
                    0);
            NumericAssert.assertClose(what + " last representation", actual.lastRepresentation()[b], last,
                    SCALE_FRACTION * maxAbs(last), 0);
        }
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
