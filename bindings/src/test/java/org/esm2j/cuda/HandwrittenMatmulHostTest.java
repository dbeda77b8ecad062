package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.InvalidInputException;
import org.esm2j.cuda.Esm2jCuda.esm2j_matmul_params;
import org.esm2j.cuda.Gemm.Implementation;
import org.esm2j.cuda.Gemm.Policy;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the hand-written matmul and of Gemm's per-shape selection without a GPU: the selection rule
 * and the {@code esm2j.matmul} property, the Java-side shape checks, the param struct as the native code reads it,
 * and the native argument checks. Addresses are fake and never dereferenced: every native call here is rejected
 * before a launch, or has zero rows.
 */
class HandwrittenMatmulHostTest {

    private static Pointer fake(long address) {
        return CudaDevice.pointer(address);
    }

    // --- selection policy -----------------------------------------------------------------------------------------

    @Test
    void policyPropertyAcceptsTheThreeValuesAndNamesItselfOtherwise() {
        assertEquals(Policy.AUTO, Policy.parse("auto"));
        assertEquals(Policy.CUBLASLT, Policy.parse("cuBLASLt"));
        assertEquals(Policy.ESM2J, Policy.parse(" ESM2J "));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Policy.parse("cublas"));
        assertEquals("-Desm2j.matmul must be auto, cublaslt or esm2j, got 'cublas'", e.getMessage());
    }

    @Test
    void autoKeepsTheStrictlyFasterAndCuBlasLtWhenInDoubt() {
        assertEquals(Implementation.ESM2J, Gemm.choose(Policy.AUTO, true, 1.0, 0.9));
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.AUTO, true, 0.9, 1.0));
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.AUTO, true, 1.0, 1.0), "a tie keeps cuBLASLt");
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.AUTO, true, 1.0, Double.NaN),
                "the hand-written kernel refused the shape");
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.AUTO, true, Double.NaN, Double.NaN),
                "nothing measured (no scratch memory)");
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.AUTO, false, 1.0, 0.5), "unsupported shape");
    }

    @Test
    void forcedPoliciesIgnoreTimesButNeverRunAnUnsupportedShape() {
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.CUBLASLT, true, 2.0, 1.0));
        assertEquals(Implementation.ESM2J, Gemm.choose(Policy.ESM2J, true, Double.NaN, Double.NaN));
        assertEquals(Implementation.CUBLASLT, Gemm.choose(Policy.ESM2J, false, Double.NaN, Double.NaN));
        assertTrue(Gemm.needsTiming(Policy.AUTO, true));
        assertFalse(Gemm.needsTiming(Policy.AUTO, false));
        assertFalse(Gemm.needsTiming(Policy.ESM2J, true));
        assertFalse(Gemm.needsTiming(Policy.CUBLASLT, true));
    }

    @Test
    void selectionsAreSharedByRowBuckets() {
        // packed batches of 30,000 and 32,000 tokens share one timing; 32,768 starts the next bucket
        assertEquals(Gemm.rowBucket(30_000), Gemm.rowBucket(32_000));
        assertEquals(16_384, Gemm.rowBucket(32_767));
        assertEquals(32_768, Gemm.rowBucket(32_768));
        assertEquals(1, Gemm.rowBucket(1));
        assertEquals(0, Gemm.rowBucket(0));
    }

    @Test
    void selectionTableShowsBothTimesTheRatioAndTheChoice() {
        Gemm.Shape fc1 = new Gemm.Shape(32768, 1280, 5120, 5120, DType.BF16, DType.BF16, true, false);
        Gemm.Shape fc2 = new Gemm.Shape(32768, 5120, 1280, 1280, DType.BF16, DType.F32, true, true);
        Gemm.Selection fused = new Gemm.Selection(fc1, true, 2.0, 1.6, Implementation.ESM2J);
        Gemm.Selection residual = new Gemm.Selection(fc2, false, 1.0, 1.25, Implementation.CUBLASLT);
        assertEquals(1.25, fused.ratio(), 1e-12);
        assertEquals(0.8, residual.ratio(), 1e-12);
        String[] lines = Gemm.selectionTable(List.of(fused, residual)).split("\n");
        assertEquals(4, lines.length);
        assertEquals("| 32768 x 1280 x 5120 | BF16 -> BF16 | bias+gelu | 2.0000 | 1.6000 | 1.25 | ESM2J |", lines[2]);
        assertEquals("| 32768 x 5120 x 1280 | BF16 -> F32 | bias+acc | 1.0000 | 1.2500 | 0.80 | CUBLASLT |", lines[3]);
        Gemm.Shape plain = new Gemm.Shape(97, 320, 960, 960, DType.BF16, DType.BF16, false, false);
        assertEquals("none", Gemm.epilogueName(plain, false));
        assertEquals("gelu", Gemm.epilogueName(plain, true));
    }

    // --- Java-side checks -----------------------------------------------------------------------------------------

    @Test
    void unsupportedShapesAreNamedBeforeAnyNativeCall() {
        assertEquals(Optional.empty(), HandwrittenMatmul.unsupportedReason(320, DType.BF16, DType.F32, false, true));
        assertEquals(Optional.empty(), HandwrittenMatmul.unsupportedReason(8, DType.F16, DType.F16, true, false));
        assertEquals(Optional.of("in must be a multiple of 8 for 16-byte loads, got 330"),
                HandwrittenMatmul.unsupportedReason(330, DType.BF16, DType.BF16, false, false));
        assertEquals(Optional.of("x and w must be F16 or BF16, got F32"),
                HandwrittenMatmul.unsupportedReason(320, DType.F32, DType.F32, false, false));
        assertEquals(Optional.of("y must be F32, F16 or BF16, got I32"),
                HandwrittenMatmul.unsupportedReason(320, DType.BF16, DType.I32, false, false));
        assertEquals(Optional.of("gelu and accumulate are exclusive"),
                HandwrittenMatmul.unsupportedReason(320, DType.BF16, DType.BF16, true, true));
        assertTrue(HandwrittenMatmul.aligned(0x1000, 0x2010));
        assertFalse(HandwrittenMatmul.aligned(0x1008, 0x2000));
        assertFalse(HandwrittenMatmul.aligned(0x1000, 0x2002));
    }

    /** rows 97, in 320, out 40 (the LM head), contiguous, bf16 -> f32, no epilogue; each case changes one value. */
    private static String rejection(long x, long w, long y, long rows, long in, long out, long xStride, long wStride,
            long yStride, DType xType, boolean gelu, boolean accumulate) {
        return assertThrows(IllegalArgumentException.class, () -> HandwrittenMatmul.forward(x, w, y, 0, rows, in, out,
                xStride, wStride, yStride, xType, DType.F32, gelu, accumulate, null)).getMessage();
    }

    @Test
    void javaChecksNameTheArgument() {
        assertEquals("x must be a device address, got 0",
                rejection(0, 0x2000, 0x3000, 97, 320, 40, 320, 320, 40, DType.BF16, false, false));
        assertEquals("y must be a device address, got 0",
                rejection(0x1000, 0x2000, 0, 97, 320, 40, 320, 320, 40, DType.BF16, false, false));
        assertEquals("rows must be in 0..2^31-1, got -1",
                rejection(0x1000, 0x2000, 0x3000, -1, 320, 40, 320, 320, 40, DType.BF16, false, false));
        assertEquals("out must be in 1..2^31-1, got 0",
                rejection(0x1000, 0x2000, 0x3000, 97, 320, 0, 320, 320, 40, DType.BF16, false, false));
        assertEquals("xRowStride must be at least in (320), got 312",
                rejection(0x1000, 0x2000, 0x3000, 97, 320, 40, 312, 320, 40, DType.BF16, false, false));
        assertEquals("yRowStride must be at least out (40), got 39",
                rejection(0x1000, 0x2000, 0x3000, 97, 320, 40, 320, 320, 39, DType.BF16, false, false));
        assertEquals("xRowStride and wRowStride must be multiples of 8 for 16-byte loads, got 320 and 321",
                rejection(0x1000, 0x2000, 0x3000, 97, 320, 40, 320, 321, 40, DType.BF16, false, false));
        assertEquals("x and w must be 16-byte aligned, got 0x1008 and 0x2000",
                rejection(0x1008, 0x2000, 0x3000, 97, 320, 40, 320, 320, 40, DType.BF16, false, false));
        assertEquals("x and w must be F16 or BF16, got F32",
                rejection(0x1000, 0x2000, 0x3000, 97, 320, 40, 320, 320, 40, DType.F32, false, false));
        assertEquals("gelu and accumulate are exclusive",
                rejection(0x1000, 0x2000, 0x3000, 97, 320, 40, 320, 320, 40, DType.BF16, true, true));
    }

    // --- native side ----------------------------------------------------------------------------------------------

    @Test
    void paramStructCarriesTheValuesTheNativeCodeReads() {
        assumeNativeLibrary();
        try (esm2j_matmul_params p = HandwrittenMatmul.params(0x1000, 0x2000, 0x3000, 0x4000, 1025, 1280, 5120, 1288,
                1280, 5124, DType.F16, DType.BF16, true, false, fake(0x7000))) {
            assertEquals(0x1000, p.x().address());
            assertEquals(0x2000, p.w().address());
            assertEquals(0x3000, p.y().address());
            assertEquals(0x4000, p.bias().address());
            assertEquals(1025, p.rows());
            assertEquals(1280, p.in());
            assertEquals(5120, p.out());
            assertEquals(1288, p.x_row_stride());
            assertEquals(1280, p.w_row_stride());
            assertEquals(5124, p.y_row_stride());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_F16, p.in_dtype());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_BF16, p.y_dtype());
            assertEquals(1, p.gelu());
            assertEquals(0, p.accumulate());
            assertEquals(0x7000, p.stream().address());
        }
        try (esm2j_matmul_params p = HandwrittenMatmul.params(0x1000, 0x2000, 0x3000, 0, 1, 8, 1, 8, 8, 1,
                DType.BF16, DType.F32, false, true, null)) {
            assertTrue(p.bias() == null || p.bias().isNull());
            assertEquals(1, p.accumulate());
        }
    }

    /** A valid call of 97 x 320 -> 40 (bf16 -> f32) on fake, disjoint, aligned addresses, rejected by later edits. */
    private static esm2j_matmul_params validParams() {
        return new esm2j_matmul_params()
                .x(fake(0x100000)).w(fake(0x200000)).y(fake(0x300000)).rows(97).in(320).out(40)
                .x_row_stride(320).w_row_stride(320).y_row_stride(40)
                .in_dtype(Esm2jCuda.ESM2J_DTYPE_BF16).y_dtype(Esm2jCuda.ESM2J_DTYPE_F32);
    }

    private static void assertNativeRejects(esm2j_matmul_params p, int status, String message) {
        CudaException e = assertThrows(CudaException.class,
                () -> CudaKernels.check(Esm2jCuda.esm2j_matmul_forward(p)));
        assertEquals(status, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains("esm2j_matmul_forward: " + message), e.getMessage());
    }

    @Test
    void nativeChecksNameTheFieldAndTellUnsupportedFromInvalid() {
        assumeNativeLibrary();
        int invalid = Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT;
        int unsupported = Esm2jCuda.ESM2J_ERROR_UNSUPPORTED;
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.y_row_stride(39), invalid, "y_row_stride must be at least 40");
        }
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.w(null), invalid, "w must not be null");
        }
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.gelu(1).accumulate(1), invalid, "gelu and accumulate are exclusive");
        }
        try (esm2j_matmul_params p = validParams()) {
            // y's 97 x 40 fp32 rows end 15520 bytes after it: x placed inside them overlaps.
            assertNativeRejects(p.x(fake(0x300000 + 15504)), invalid, "y must not overlap x");
        }
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.in_dtype(Esm2jCuda.ESM2J_DTYPE_F32), unsupported, "in_dtype must be F16 or BF16");
        }
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.in(316).x_row_stride(316).w_row_stride(316), unsupported,
                    "in must be a multiple of 8 for 16-byte loads, got 316");
        }
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.x_row_stride(324), unsupported, "x_row_stride must be a multiple of 8");
        }
        try (esm2j_matmul_params p = validParams()) {
            assertNativeRejects(p.w(fake(0x200008)), unsupported, "w must be 16-byte aligned");
        }
        try (esm2j_matmul_params p = validParams()) {
            // No rows: valid, and nothing is launched, with or without a device.
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_matmul_forward(p.rows(0)));
        }
    }

    private static void assumeNativeLibrary() {
        assumeTrue(CudaLibrary.loadFailure().isEmpty(), () -> CudaLibrary.loadFailure().orElseThrow());
    }
}
