package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.cuda.Esm2jCuda.esm2j_attention_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_contact_head_finish_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_contact_head_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_layer_norm_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_log_softmax_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_qkv_epilogue_params;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * What can be checked without a GPU: Java-side shape checks, the param structs as the native code sees them, and the
 * native library's own argument checks and error reporting. The pointers here are fake addresses; nothing may
 * dereference them, so the tests that reach a kernel launch run only where no device exists.
 */
class CudaKernelsHostTest {

    /** A non-null address that is never dereferenced. */
    private static Pointer fake(long deviceAddress) {
        return new Pointer() {
            {
                address = deviceAddress;
            }
        };
    }

    private static FloatPointer fakeFloats(long address) {
        return new FloatPointer(fake(address));
    }

    private static DeviceMatrix matrix(long address, DType dtype, long rows, long cols) {
        return DeviceMatrix.contiguous(fake(address), dtype, rows, cols);
    }

    @Test
    void shapeMismatchIsRejectedInJavaNamingTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaKernels.layerNorm(
                matrix(0x1000, DType.F32, 4, 64), matrix(0x2000, DType.BF16, 4, 32),
                fakeFloats(0x3000), fakeFloats(0x4000), null, null, 1e-5f, null));
        assertTrue(e.getMessage().startsWith("y must have the shape of x (4 x 64)"), e.getMessage());
    }

    @Test
    void unsupportedDtypeAndBadStrideAreRejectedInJava() {
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class, () -> CudaKernels.biasGelu(
                matrix(0x1000, DType.I32, 2, 8), matrix(0x1000, DType.I32, 2, 8), null, null));
        assertTrue(dtype.getMessage().contains("x must be F32, F16 or BF16, got I32"), dtype.getMessage());

        DeviceMatrix overlapping = new DeviceMatrix(fake(0x1000), DType.F32, 2, 8, 4);
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                () -> CudaKernels.residualAdd(overlapping, matrix(0x2000, DType.F32, 2, 8), null, null));
        assertTrue(stride.getMessage().contains("residual row stride must be at least its 8 columns"),
                stride.getMessage());
    }

    @Test
    void qkvWidthAndOddHeadDimAreRejectedInJava() {
        IntPointer cuSeqlens = new IntPointer(fake(0x5000));
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> CudaKernels.qkvEpilogue(
                matrix(0x1000, DType.BF16, 10, 3 * 4 * 16 - 1), null, fakeFloats(0x2000), cuSeqlens, 2, 4, 16,
                0.25f, fake(0x3000), fake(0x4000), fake(0x6000), DType.BF16, null));
        assertTrue(width.getMessage().contains("qkv must have 3*heads*headDim = 192 columns, got 191"),
                width.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaKernels.qkvEpilogue(
                matrix(0x1000, DType.BF16, 10, 3 * 4 * 15), null, fakeFloats(0x2000), cuSeqlens, 2, 4, 15,
                0.25f, fake(0x3000), fake(0x4000), fake(0x6000), DType.BF16, null));
    }

    @Test
    void paramStructsCarryTheValuesTheNativeCodeReads() {
        assumeNativeLibrary();
        try (esm2j_layer_norm_params p = CudaKernels.layerNormParams(
                new DeviceMatrix(fake(0x1000), DType.F32, 97, 320, 336), matrix(0x2000, DType.BF16, 97, 320),
                fakeFloats(0x3000), fakeFloats(0x4000), null, null, 1e-5f, fake(0x7000))) {
            assertEquals(0x1000, p.x().address());
            assertEquals(0x2000, p.y().address());
            assertEquals(0x3000, p.gamma().address());
            assertEquals(0x4000, p.beta().address());
            assertTrue(p.mean() == null || p.mean().isNull());
            assertEquals(97, p.rows());
            assertEquals(320, p.dim());
            assertEquals(336, p.x_row_stride());
            assertEquals(320, p.y_row_stride());
            assertEquals(1e-5f, p.eps());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_F32, p.x_dtype());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_BF16, p.y_dtype());
            assertEquals(0x7000, p.stream().address());
        }
        try (esm2j_qkv_epilogue_params p = CudaKernels.qkvEpilogueParams(matrix(0x1000, DType.F16, 1025, 3 * 20 * 16),
                null, fakeFloats(0x2000), new IntPointer(fake(0x5000)), 3, 20, 16, 0.25f, fake(0x3000),
                fake(0x4000), fake(0x6000), DType.F32, null)) {
            assertEquals(1025, p.total_tokens());
            assertEquals(3, p.num_seqs());
            assertEquals(960, p.qkv_row_stride());
            assertEquals(320, p.out_token_stride());
            assertEquals(16, p.out_head_stride());
            assertEquals(0.25f, p.q_scale());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_F16, p.in_dtype());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_F32, p.out_dtype());
        }
    }

    @Test
    void dtypeCodesMatchTheHeader() {
        assumeNativeLibrary();
        assertEquals(Esm2jCuda.ESM2J_DTYPE_F32, CudaKernels.dtypeCode("x", DType.F32));
        assertEquals(Esm2jCuda.ESM2J_DTYPE_F16, CudaKernels.dtypeCode("x", DType.F16));
        assertEquals(Esm2jCuda.ESM2J_DTYPE_BF16, CudaKernels.dtypeCode("x", DType.BF16));
    }

    @Test
    void nativeArgumentChecksNameTheField() {
        assumeNativeLibrary();
        try (esm2j_layer_norm_params p = new esm2j_layer_norm_params()) {
            p.x(fake(0x1000)).y(fake(0x2000)).gamma(fakeFloats(0x3000)).beta(fakeFloats(0x4000))
                    .rows(4).dim(64).x_row_stride(64).y_row_stride(32).eps(1e-5f);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_layer_norm_forward(p));
            String message = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(message.contains("esm2j_layer_norm_forward: y_row_stride must be at least 64"), message);

            p.y_row_stride(64).x_dtype(7);
            CudaException e = assertThrows(CudaException.class,
                    () -> CudaKernels.check(Esm2jCuda.esm2j_layer_norm_forward(p)));
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("x_dtype must be an esm2j_dtype"), e.getMessage());
        }
        assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_bias_gelu_forward(null));
        assertTrue(Esm2jCuda.esm2j_last_error().getString().contains("params must not be null"));
    }

    @Test
    void failedLaunchReportsTheCudaErrorWithFileAndLine() {
        assumeNativeLibrary();
        // With a device the fake pointers would be read by a real kernel; this path is for GPU-less machines only.
        // Without a driver the runtime's start-up failure is already pending, which the entry point reports as such.
        assumeTrue(CudaLibrary.deviceUnavailableReason().isPresent(), "a CUDA device is present");
        CudaException e = assertThrows(CudaException.class, () -> CudaKernels.layerNorm(
                matrix(0x1000, DType.F32, 4, 64), matrix(0x2000, DType.F32, 4, 64), fakeFloats(0x3000),
                fakeFloats(0x4000), null, null, 1e-5f, null));
        assertEquals(Esm2jCuda.ESM2J_ERROR_CUDA, e.status());
        assertTrue(e.getMessage().matches("(esm2j_\\w+: )?cudaError\\w+: .* (in launch of layer_norm_forward_kernel at layer_norm\\.cu:\\d+"
                + "|was pending from earlier asynchronous work; nothing was launched)"),
                e.getMessage());
    }

    /** Attention over a packed batch of 3 sequences, 1025 tokens in all, heads x headDim = 20 x 24 (ESM-2 35M). */
    private static void attention(long tokenStride, long headStride, long outRowStride, long headDim, long maxSeqlen,
            FloatPointer probs, LongPointer probsOffsets) {
        CudaKernels.attention(fake(0x1000), fake(0x2000), fake(0x3000), DType.BF16, tokenStride, headStride,
                fake(0x4000), outRowStride, new IntPointer(fake(0x5000)), 3, 1025, 20, headDim, maxSeqlen, 1f,
                probs, probsOffsets, null);
    }

    private static String attentionRejection(long tokenStride, long headStride, long outRowStride, long headDim,
            long maxSeqlen, FloatPointer probs, LongPointer probsOffsets) {
        return assertThrows(IllegalArgumentException.class, () -> attention(tokenStride, headStride, outRowStride,
                headDim, maxSeqlen, probs, probsOffsets)).getMessage();
    }

    @Test
    void attentionShapesAreCheckedInJavaNamingTheArgument() {
        assertEquals("headDim must be one of 16, 24, 32, 64, 128, got 20",
                attentionRejection(400, 20, 400, 20, 1000, null, null));
        assertEquals("headStride must be at least headDim (24), got 16",
                attentionRejection(480, 16, 480, 24, 1000, null, null));
        assertEquals("tokenStride must be at least heads*headStride (480), got 479",
                attentionRejection(479, 24, 480, 24, 1000, null, null));
        assertEquals("outRowStride must be at least heads*headDim (480), got 240",
                attentionRejection(480, 24, 240, 24, 1000, null, null));
        assertEquals("maxSeqlen must be in 1..totalTokens (1025), got 1026",
                attentionRejection(480, 24, 480, 24, 1026, null, null));
        assertEquals("probsOffsets (probs is set) must be a device pointer, got null",
                attentionRejection(480, 24, 480, 24, 1000, fakeFloats(0x6000), null));
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class, () -> CudaKernels.attention(
                fake(0x1000), fake(0x2000), fake(0x3000), DType.I32, 480, 24, fake(0x4000), 480,
                new IntPointer(fake(0x5000)), 3, 1025, 20, 24, 1000, 1f, null, null, null));
        assertEquals("dtype must be F32, F16 or BF16, got I32", dtype.getMessage());
    }

    @Test
    void attentionParamsCarryTheValuesTheNativeCodeReads() {
        assumeNativeLibrary();
        // q, k and v as views of one fused (tokens, 3 * heads * headDim) projection output.
        try (esm2j_attention_params p = CudaKernels.attentionParams(fake(0x1000), fake(0x1000 + 2 * 640),
                fake(0x1000 + 4 * 640), DType.F16, 3 * 640, 64, fake(0x4000), 648, new IntPointer(fake(0x5000)), 2,
                97, 10, 64, 96, 0.125f, fakeFloats(0x6000), new LongPointer(fake(0x7000)), fake(0x8000))) {
            assertEquals(0x1000, p.q().address());
            assertEquals(0x1000 + 2 * 640, p.k().address());
            assertEquals(0x1000 + 4 * 640, p.v().address());
            assertEquals(0x4000, p.out().address());
            assertEquals(0x6000, p.probs().address());
            assertEquals(0x7000, p.probs_offsets().address());
            assertEquals(0x5000, p.cu_seqlens().address());
            assertEquals(97, p.total_tokens());
            assertEquals(2, p.num_seqs());
            assertEquals(10, p.heads());
            assertEquals(64, p.head_dim());
            assertEquals(96, p.max_seqlen());
            assertEquals(1920, p.token_stride());
            assertEquals(64, p.head_stride());
            assertEquals(648, p.out_row_stride());
            assertEquals(0.125f, p.scale());
            assertEquals(Esm2jCuda.ESM2J_DTYPE_F16, p.dtype());
            assertEquals(0x8000, p.stream().address());
        }
        try (esm2j_attention_params p = CudaKernels.attentionParams(fake(0x1000), fake(0x2000), fake(0x3000),
                DType.BF16, 320, 16, fake(0x4000), 320, new IntPointer(fake(0x5000)), 1, 1, 20, 16, 1, 1f, null,
                null, null)) {
            assertTrue(p.probs() == null || p.probs().isNull());
            assertTrue(p.probs_offsets() == null || p.probs_offsets().isNull());
        }
    }

    @Test
    void nativeAttentionChecksNameTheField() {
        assumeNativeLibrary();
        try (esm2j_attention_params p = new esm2j_attention_params()) {
            p.q(fake(0x1000)).k(fake(0x2000)).v(fake(0x3000)).out(fake(0x4000))
                    .cu_seqlens(new IntPointer(fake(0x5000))).total_tokens(1025).num_seqs(3).heads(20).head_dim(24)
                    .max_seqlen(1000).token_stride(480).head_stride(24).out_row_stride(479).scale(1f)
                    .dtype(Esm2jCuda.ESM2J_DTYPE_BF16);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_attention_forward(p));
            String stride = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(stride.contains("esm2j_attention_forward: out_row_stride must be at least 480"), stride);

            p.out_row_stride(480).max_seqlen(1026);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_attention_forward(p));
            String maxSeqlen = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(maxSeqlen.contains("max_seqlen (1026) must not exceed total_tokens (1025)"), maxSeqlen);

            p.max_seqlen(1000).probs(fakeFloats(0x6000));
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_attention_forward(p));
            String offsets = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(offsets.contains("probs_offsets (probs is set) must not be null"), offsets);

            p.probs(null).head_dim(20).head_stride(20).token_stride(400).out_row_stride(400);
            CudaException unsupported = assertThrows(CudaException.class,
                    () -> CudaKernels.check(Esm2jCuda.esm2j_attention_forward(p)));
            assertEquals(Esm2jCuda.ESM2J_ERROR_UNSUPPORTED, unsupported.status());
            assertTrue(unsupported.getMessage().contains("head_dim must be 16, 24, 32, 64 or 128, got 20"),
                    unsupported.getMessage());

            // An empty batch is valid and launches nothing, with or without a device.
            p.head_dim(24).head_stride(24).token_stride(480).out_row_stride(480).total_tokens(0);
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_attention_forward(p));
        }
    }

    @Test
    void failedAttentionLaunchReportsTheCudaErrorWithFileAndLine() {
        assumeNativeLibrary();
        assumeTrue(CudaLibrary.deviceUnavailableReason().isPresent(), "a CUDA device is present");
        CudaException e = assertThrows(CudaException.class, () -> attention(480, 24, 480, 24, 1000, null, null));
        assertEquals(Esm2jCuda.ESM2J_ERROR_CUDA, e.status());
        assertTrue(e.getMessage().matches("(esm2j_\\w+: )?cudaError\\w+: .* (in launch of attention_forward_kernel at attention\\.cu:\\d+"
                + "|was pending from earlier asynchronous work; nothing was launched)"),
                e.getMessage());
    }

    // --- heads: log-softmax and the contact head ------------------------------------------------------------------

    @Test
    void logSoftmaxChecksDtypeShapeAndAliasingInJava() {
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class, () -> CudaKernels.logSoftmax(
                matrix(0x1000, DType.BF16, 97, 33), matrix(0x2000, DType.F32, 97, 33), null));
        assertEquals("x and out must be F32, got BF16 and F32", dtype.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> CudaKernels.logSoftmax(
                matrix(0x1000, DType.F32, 97, 33), matrix(0x2000, DType.F32, 97, 40), null));
        assertTrue(shape.getMessage().startsWith("out must have the shape of x (97 x 33)"), shape.getMessage());
        IllegalArgumentException alias = assertThrows(IllegalArgumentException.class, () -> CudaKernels.logSoftmax(
                new DeviceMatrix(fake(0x1000), DType.F32, 97, 33, 40), matrix(0x1000, DType.F32, 97, 33), null));
        assertEquals("out may be x only with the same row stride (40), got 33", alias.getMessage());
    }

    @Test
    void logSoftmaxParamsCarryTheValuesTheNativeCodeReads() {
        assumeNativeLibrary();
        DeviceMatrix logits = new DeviceMatrix(fake(0x1000), DType.F32, 1025, 33, 40);
        try (esm2j_log_softmax_params p = CudaKernels.logSoftmaxParams(logits, logits, fake(0x7000))) {
            assertEquals(0x1000, p.x().address());
            assertEquals(0x1000, p.out().address());
            assertEquals(1025, p.rows());
            assertEquals(33, p.cols());
            assertEquals(40, p.x_row_stride());
            assertEquals(40, p.out_row_stride());
            assertEquals(0x7000, p.stream().address());
        }
    }

    /** The contact head over a packed batch of 3 sequences, 1025 tokens in all, 20 heads. */
    private static esm2j_contact_head_params contactParams(long numSeqs, long heads, long maxSeqlen,
            FloatPointer weight) {
        return CudaKernels.contactHeadParams(fakeFloats(0x1000), new LongPointer(fake(0x2000)),
                new IntPointer(fake(0x3000)), new IntPointer(fake(0x4000)), numSeqs, 1025, heads, maxSeqlen, weight,
                fakeFloats(0x6000), new LongPointer(fake(0x7000)), fakeFloats(0x8000), 2, true, fake(0x9000));
    }

    @Test
    void contactHeadShapesAreCheckedInJavaNamingTheArgument() {
        assertEquals("weight must be a device pointer, got null",
                assertThrows(IllegalArgumentException.class, () -> contactParams(3, 20, 1000, null)).getMessage());
        assertEquals("heads must be in 1..65535, got 0", assertThrows(IllegalArgumentException.class,
                () -> contactParams(3, 0, 1000, fakeFloats(0x5000))).getMessage());
        assertEquals("numSeqs must be at most 65535 per call, got 65536", assertThrows(IllegalArgumentException.class,
                () -> contactParams(65536, 20, 1000, fakeFloats(0x5000))).getMessage());
        assertEquals("maxSeqlen must be in 1..totalTokens (1025), got 1026", assertThrows(IllegalArgumentException.class,
                () -> contactParams(3, 20, 1026, fakeFloats(0x5000))).getMessage());
        assertEquals("count must not be negative, got -1", assertThrows(IllegalArgumentException.class,
                () -> CudaKernels.contactHeadFinish(fakeFloats(0x6000), -1, 0f, null)).getMessage());
        assertEquals("bias must be finite, got NaN", assertThrows(IllegalArgumentException.class,
                () -> CudaKernels.contactHeadFinish(fakeFloats(0x6000), 10, Float.NaN, null)).getMessage());
    }

    @Test
    void contactHeadParamsCarryTheValuesTheNativeCodeReads() {
        assumeNativeLibrary();
        try (esm2j_contact_head_params p = contactParams(3, 20, 1000, fakeFloats(0x5000))) {
            assertEquals(0x1000, p.probs().address());
            assertEquals(0x2000, p.probs_offsets().address());
            assertEquals(0x3000, p.cu_seqlens().address());
            assertEquals(0x4000, p.tokens().address());
            assertEquals(0x5000, p.weight().address());
            assertEquals(0x6000, p.logits().address());
            assertEquals(0x7000, p.contact_offsets().address());
            assertEquals(0x8000, p.row_sum_workspace().address());
            assertEquals(1025, p.total_tokens());
            assertEquals(3, p.num_seqs());
            assertEquals(20, p.heads());
            assertEquals(1000, p.max_seqlen());
            assertEquals(2, p.eos_token());
            assertEquals(1, p.accumulate());
            assertEquals(0x9000, p.stream().address());
        }
        try (esm2j_contact_head_finish_params p = CudaKernels.contactHeadFinishParams(fakeFloats(0x6000), 998_001,
                -1.5f, null)) {
            assertEquals(0x6000, p.logits().address());
            assertEquals(998_001, p.count());
            assertEquals(-1.5f, p.bias());
        }
    }

    @Test
    void nativeHeadChecksNameTheField() {
        assumeNativeLibrary();
        try (esm2j_log_softmax_params p = new esm2j_log_softmax_params()) {
            p.x(fakeFloats(0x1000)).out(fakeFloats(0x1000)).rows(97).cols(33).x_row_stride(40).out_row_stride(33);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_log_softmax_forward(p));
            String alias = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(alias.contains("esm2j_log_softmax_forward: out may alias x only with the same dtype and row stride"),
                    alias);
            p.out_row_stride(40).cols(41);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_log_softmax_forward(p));
            String stride = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(stride.contains("x_row_stride must be at least 41"), stride);
            p.cols(33).rows(0);
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_log_softmax_forward(p));
        }
        try (esm2j_contact_head_params p = contactParams(3, 20, 1000, fakeFloats(0x5000))) {
            p.row_sum_workspace(null);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_contact_head_accumulate(p));
            String workspace = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(workspace.contains("esm2j_contact_head_accumulate: row_sum_workspace must not be null"),
                    workspace);
            p.row_sum_workspace(fakeFloats(0x8000)).heads(65536);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_contact_head_accumulate(p));
            String heads = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(heads.contains("heads must be at most 65535, got 65536"), heads);
            p.heads(20).max_seqlen(1026);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_contact_head_accumulate(p));
            String maxSeqlen = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(maxSeqlen.contains("max_seqlen (1026) must not exceed total_tokens (1025)"), maxSeqlen);
            // An empty batch, and a batch whose sequences are all <cls><eos> (no residues), launch nothing.
            p.max_seqlen(1000).total_tokens(0);
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_contact_head_accumulate(p));
            p.total_tokens(6).max_seqlen(2);
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_contact_head_accumulate(p));
        }
        try (esm2j_contact_head_finish_params p = new esm2j_contact_head_finish_params()) {
            p.logits(fakeFloats(0x6000)).count(10).bias(Float.POSITIVE_INFINITY);
            assertEquals(Esm2jCuda.ESM2J_ERROR_INVALID_ARGUMENT, Esm2jCuda.esm2j_contact_head_finish(p));
            String bias = Esm2jCuda.esm2j_last_error().getString();
            assertTrue(bias.contains("esm2j_contact_head_finish: bias must be finite"), bias);
            p.bias(0f).count(0);
            assertEquals(Esm2jCuda.ESM2J_OK, Esm2jCuda.esm2j_contact_head_finish(p));
        }
    }

    @Test
    void failedHeadLaunchesReportTheCudaErrorWithFileAndLine() {
        assumeNativeLibrary();
        assumeTrue(CudaLibrary.deviceUnavailableReason().isPresent(), "a CUDA device is present");
        // Fake arrays far enough apart not to overlap (97 x 33 floats span 0x3204 bytes): overlaps are refused first.
        CudaException softmax = assertThrows(CudaException.class, () -> CudaKernels.logSoftmax(
                matrix(0x10000, DType.F32, 97, 33), matrix(0x20000, DType.F32, 97, 33), null));
        assertTrue(softmax.getMessage().matches(
                "(esm2j_\\w+: )?cudaError\\w+: .* (in launch of log_softmax_forward_kernel at log_softmax\\.cu:\\d+"
                + "|was pending from earlier asynchronous work; nothing was launched)"),
                softmax.getMessage());
        CudaException contacts = assertThrows(CudaException.class, () -> CudaKernels.contactHeadAccumulate(
                fakeFloats(0x1000), new LongPointer(fake(0x2000)), new IntPointer(fake(0x3000)),
                new IntPointer(fake(0x4000)), 3, 1025, 20, 1000, fakeFloats(0x5000), fakeFloats(0x6000),
                new LongPointer(fake(0x7000)), fakeFloats(0x8000), 2, false, null));
        assertTrue(contacts.getMessage().matches(
                "(esm2j_\\w+: )?cudaError\\w+: .* (in launch of contact_row_sums_kernel at contact_head\\.cu:\\d+"
                + "|was pending from earlier asynchronous work; nothing was launched)"),
                contacts.getMessage());
    }

    private static void assumeNativeLibrary() {
        assumeTrue(CudaLibrary.loadFailure().isEmpty(), () -> CudaLibrary.loadFailure().orElseThrow());
    }
}
