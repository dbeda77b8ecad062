package org.esm2j.cuda;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.cuda.Esm2jCuda.esm2j_attention_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_bias_gelu_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_contact_head_finish_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_contact_head_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_embedding_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_layer_norm_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_log_softmax_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_qkv_epilogue_params;
import org.esm2j.cuda.Esm2jCuda.esm2j_residual_add_params;
import org.esm2j.tensor.DType;

/**
 * The kernels of libesm2j_cuda for Java callers: shapes and dtypes are checked here, before any native call, with
 * messages that name the argument; a failing native call becomes a {@link CudaException} carrying the library's
 * message. Every method only enqueues work on {@code stream} (a {@code cudaStream_t}, e.g. a presets
 * {@code CUstream_st}; null for the default stream). Parameter meanings follow
 * {@code native/include/esm2j_cuda.h}; fp32 parameters (biases, LayerNorm affine, inv_freq) are {@link FloatPointer}s.
 */
public final class CudaKernels {
    private CudaKernels() {}

    /** y = LayerNorm(x) row-wise with fp32 statistics; mean and rstd (fp32, one per row) are written when not null. */
    public static void layerNorm(DeviceMatrix x, DeviceMatrix y, FloatPointer gamma, FloatPointer beta,
            FloatPointer mean, FloatPointer rstd, float eps, Pointer stream) {
        try (esm2j_layer_norm_params p = layerNormParams(x, y, gamma, beta, mean, rstd, eps, stream)) {
            check(Esm2jCuda.esm2j_layer_norm_forward(p));
        }
    }

    static esm2j_layer_norm_params layerNormParams(DeviceMatrix x, DeviceMatrix y, FloatPointer gamma,
            FloatPointer beta, FloatPointer mean, FloatPointer rstd, float eps, Pointer stream) {
        requireMatrix("x", x);
        requireMatrix("y", y);
        requireSameShape("y", y, "x", x);
        requireDevicePointer("gamma", gamma);
        requireDevicePointer("beta", beta);
        if (!(eps > 0f) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException("eps must be positive and finite, got " + eps);
        }
        return new esm2j_layer_norm_params()
                .x(x.data()).y(y.data()).gamma(gamma).beta(beta).mean(mean).rstd(rstd)
                .rows(x.rows()).dim(x.cols()).x_row_stride(x.rowStride()).y_row_stride(y.rowStride())
                .eps(eps).x_dtype(dtypeCode("x", x.dtype())).y_dtype(dtypeCode("y", y.dtype())).stream(stream);
    }

    /** y = gelu_erf(x + bias); bias (fp32, cols) may be null, y may be x. */
    public static void biasGelu(DeviceMatrix x, DeviceMatrix y, FloatPointer bias, Pointer stream) {
        try (esm2j_bias_gelu_params p = biasGeluParams(x, y, bias, stream)) {
            check(Esm2jCuda.esm2j_bias_gelu_forward(p));
        }
    }

    static esm2j_bias_gelu_params biasGeluParams(DeviceMatrix x, DeviceMatrix y, FloatPointer bias,
            Pointer stream) {
        requireMatrix("x", x);
        requireMatrix("y", y);
        requireSameShape("y", y, "x", x);
        if (x.dtype() != y.dtype()) {
            throw new IllegalArgumentException("y must have the dtype of x (" + x.dtype() + "), got " + y.dtype());
        }
        return new esm2j_bias_gelu_params()
                .x(x.data()).y(y.data()).bias(bias).rows(x.rows()).cols(x.cols())
                .x_row_stride(x.rowStride()).y_row_stride(y.rowStride()).dtype(dtypeCode("x", x.dtype()))
                .stream(stream);
    }

    /** residual += delta + bias in place; bias (fp32, cols) may be null. */
    public static void residualAdd(DeviceMatrix residual, DeviceMatrix delta, FloatPointer bias, Pointer stream) {
        try (esm2j_residual_add_params p = residualAddParams(residual, delta, bias, stream)) {
            check(Esm2jCuda.esm2j_residual_add_forward(p));
        }
    }

    static esm2j_residual_add_params residualAddParams(DeviceMatrix residual, DeviceMatrix delta, FloatPointer bias,
            Pointer stream) {
        requireMatrix("residual", residual);
        requireMatrix("delta", delta);
        requireSameShape("delta", delta, "residual", residual);
        return new esm2j_residual_add_params()
                .residual(residual.data()).delta(delta.data()).bias(bias).rows(residual.rows()).cols(residual.cols())
                .residual_row_stride(residual.rowStride()).delta_row_stride(delta.rowStride())
                .residual_dtype(dtypeCode("residual", residual.dtype())).delta_dtype(dtypeCode("delta", delta.dtype()))
                .stream(stream);
    }

    /**
     * From the fused projection output qkv (total_tokens x 3*heads*headDim) writes q (scaled by qScale, rotated), k
     * (rotated) and v, each contiguous (total_tokens, heads, headDim) of outDtype. Rotary positions restart at every
     * sequence of the packed batch described by cuSeqlens (device int32, numSeqs + 1 entries).
     */
    public static void qkvEpilogue(DeviceMatrix qkv, FloatPointer bias, FloatPointer invFreq, IntPointer cuSeqlens,
            long numSeqs, long heads, long headDim, float qScale, Pointer q, Pointer k, Pointer v, DType outDtype,
            Pointer stream) {
        try (esm2j_qkv_epilogue_params p = qkvEpilogueParams(qkv, bias, invFreq, cuSeqlens, numSeqs, heads, headDim,
                qScale, q, k, v, outDtype, stream)) {
            check(Esm2jCuda.esm2j_qkv_epilogue_forward(p));
        }
    }

    static esm2j_qkv_epilogue_params qkvEpilogueParams(DeviceMatrix qkv, FloatPointer bias, FloatPointer invFreq,
            IntPointer cuSeqlens, long numSeqs, long heads, long headDim, float qScale, Pointer q, Pointer k,
            Pointer v, DType outDtype, Pointer stream) {
        requireMatrix("qkv", qkv);
        if (heads < 1 || headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException(
                    "heads must be >= 1 and headDim even and >= 2, got heads=" + heads + ", headDim=" + headDim);
        }
        if (qkv.cols() != 3 * heads * headDim) {
            throw new IllegalArgumentException("qkv must have 3*heads*headDim = " + 3 * heads * headDim
                    + " columns, got " + qkv.cols());
        }
        requireBatch(cuSeqlens, numSeqs);
        requireDevicePointer("invFreq", invFreq);
        requireDevicePointer("q", q);
        requireDevicePointer("k", k);
        requireDevicePointer("v", v);
        return new esm2j_qkv_epilogue_params()
                .qkv(qkv.data()).bias(bias).inv_freq(invFreq).cu_seqlens(cuSeqlens).q(q).k(k).v(v)
                .total_tokens(qkv.rows()).num_seqs(numSeqs).heads(heads).head_dim(headDim)
                .qkv_row_stride(qkv.rowStride()).out_token_stride(heads * headDim).out_head_stride(headDim)
                .q_scale(qScale).in_dtype(dtypeCode("qkv", qkv.dtype())).out_dtype(dtypeCode("outDtype", outDtype))
                .stream(stream);
    }

    /**
     * out[t] = table[tokens[t]] with ESM-2 token dropout per packed sequence (mask rows zero, scale
     * keepScale / (1 - masks/non-pads)). tokens: device int32 (out.rows()); workspace: device fp32 (numSeqs).
     */
    public static void embedding(IntPointer tokens, IntPointer cuSeqlens, long numSeqs, DeviceMatrix table,
            DeviceMatrix out, FloatPointer workspace, int maskToken, int padToken, float keepScale,
            Pointer stream) {
        try (esm2j_embedding_params p = embeddingParams(tokens, cuSeqlens, numSeqs, table, out, workspace, maskToken,
                padToken, keepScale, stream)) {
            check(Esm2jCuda.esm2j_embedding_forward(p));
        }
    }

    static esm2j_embedding_params embeddingParams(IntPointer tokens, IntPointer cuSeqlens, long numSeqs,
            DeviceMatrix table, DeviceMatrix out, FloatPointer workspace, int maskToken, int padToken,
            float keepScale, Pointer stream) {
        requireDevicePointer("tokens", tokens);
        requireBatch(cuSeqlens, numSeqs);
        requireMatrix("table", table);
        requireMatrix("out", out);
        if (out.cols() != table.cols()) {
            throw new IllegalArgumentException(
                    "out must have the table's " + table.cols() + " columns, got " + out.cols());
        }
        requireDevicePointer("workspace", workspace);
        for (int id : new int[] {maskToken, padToken}) {
            if (id < 0 || id >= table.rows()) {
                throw new IllegalArgumentException("mask and pad token ids must be rows of the table (0.."
                        + (table.rows() - 1) + "), got " + id);
            }
        }
        return new esm2j_embedding_params()
                .tokens(tokens).cu_seqlens(cuSeqlens).table(table.data()).out(out.data())
                .seq_divisor_workspace(workspace).total_tokens(out.rows()).num_seqs(numSeqs).vocab(table.rows())
                .dim(table.cols()).table_row_stride(table.rowStride()).out_row_stride(out.rowStride())
                .mask_token(maskToken).pad_token(padToken).keep_scale(keepScale)
                .table_dtype(dtypeCode("table", table.dtype())).out_dtype(dtypeCode("out", out.dtype()))
                .stream(stream);
    }

    /** Head dimensions with an attention kernel: those of the ESM-2 family. */
    private static final long[] ATTENTION_HEAD_DIMS = {16, 24, 32, 64, 128};

    /** Sequences and heads each take one CUDA grid dimension (at most 65535). */
    private static final long MAX_GRID_YZ = 65535;

    /** The contact head tiles each sequence's residues by 32 along grid y: (65535 * 32) residues plus cls and eos. */
    static final long MAX_CONTACT_SEQLEN = MAX_GRID_YZ * 32 + 2;

    /** Non-causal multi-head attention over packed variable-length sequences: for each sequence s (tokens
     *  cuSeqlens[s]..cuSeqlens[s+1]) and head h: O = softmax(scale * Q K^T) V with fp32 softmax; q, k, v laid out
     *  (totalTokens, heads, headDim) with the given token and head strides (in elements), out (totalTokens, heads*headDim)
     *  row-major with outRowStride; when probs != null also writes the softmax probabilities in fp32, for sequence s a
     *  (heads, T_s, T_s) block starting at element probsOffsets[s] (device int64 array, numSeqs entries). */
    public static void attention(Pointer q, Pointer k, Pointer v, DType dtype, long tokenStride, long headStride,
            Pointer out, long outRowStride, IntPointer cuSeqlens, long numSeqs, long totalTokens, long heads,
            long headDim, long maxSeqlen, float scale, FloatPointer probs, LongPointer probsOffsets, Pointer stream) {
        try (esm2j_attention_params p = attentionParams(q, k, v, dtype, tokenStride, headStride, out, outRowStride,
                cuSeqlens, numSeqs, totalTokens, heads, headDim, maxSeqlen, scale, probs, probsOffsets, stream)) {
            check(Esm2jCuda.esm2j_attention_forward(p));
        }
    }

    static esm2j_attention_params attentionParams(Pointer q, Pointer k, Pointer v, DType dtype, long tokenStride,
            long headStride, Pointer out, long outRowStride, IntPointer cuSeqlens, long numSeqs, long totalTokens,
            long heads, long headDim, long maxSeqlen, float scale, FloatPointer probs, LongPointer probsOffsets,
            Pointer stream) {
        requireDevicePointer("q", q);
        requireDevicePointer("k", k);
        requireDevicePointer("v", v);
        requireDevicePointer("out", out);
        requireBatch(cuSeqlens, numSeqs);
        if (numSeqs > MAX_GRID_YZ) {
            throw new IllegalArgumentException("numSeqs must be at most " + MAX_GRID_YZ + " per call, got " + numSeqs);
        }
        if (heads < 1 || heads > MAX_GRID_YZ) {
            throw new IllegalArgumentException("heads must be in 1.." + MAX_GRID_YZ + ", got " + heads);
        }
        if (Arrays.stream(ATTENTION_HEAD_DIMS).noneMatch(d -> d == headDim)) {
            throw new IllegalArgumentException("headDim must be one of 16, 24, 32, 64, 128, got " + headDim);
        }
        if (totalTokens < 0 || totalTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("totalTokens must be in 0..2^31-1, got " + totalTokens);
        }
        if (maxSeqlen < 1 || (totalTokens > 0 && maxSeqlen > totalTokens)) {
            throw new IllegalArgumentException(
                    "maxSeqlen must be in 1..totalTokens (" + totalTokens + "), got " + maxSeqlen);
        }
        if (headStride < headDim) {
            throw new IllegalArgumentException("headStride must be at least headDim (" + headDim + "), got " + headStride);
        }
        if (tokenStride < heads * headStride) {
            throw new IllegalArgumentException("tokenStride must be at least heads*headStride (" + heads * headStride
                    + "), got " + tokenStride);
        }
        if (outRowStride < heads * headDim) {
            throw new IllegalArgumentException("outRowStride must be at least heads*headDim (" + heads * headDim
                    + "), got " + outRowStride);
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, got " + scale);
        }
        boolean wantsProbs = probs != null && !probs.isNull();
        if (wantsProbs) {
            requireDevicePointer("probsOffsets (probs is set)", probsOffsets);
        }
        return new esm2j_attention_params()
                .q(q).k(k).v(v).out(out)
                .probs(wantsProbs ? probs : null).probs_offsets(wantsProbs ? probsOffsets : null)
                .cu_seqlens(cuSeqlens).total_tokens(totalTokens).num_seqs(numSeqs).heads(heads).head_dim(headDim)
                .max_seqlen(maxSeqlen).token_stride(tokenStride).head_stride(headStride).out_row_stride(outRowStride)
                .scale(scale).dtype(dtypeCode("dtype", dtype)).stream(stream);
    }

    /**
     * out = log_softmax(x) row-wise over the columns, fp32 in and out (the LM head's log-probabilities); out may be x
     * when both have the same row stride.
     */
    public static void logSoftmax(DeviceMatrix x, DeviceMatrix out, Pointer stream) {
        try (esm2j_log_softmax_params p = logSoftmaxParams(x, out, stream)) {
            check(Esm2jCuda.esm2j_log_softmax_forward(p));
        }
    }

    static esm2j_log_softmax_params logSoftmaxParams(DeviceMatrix x, DeviceMatrix out, Pointer stream) {
        requireMatrix("x", x);
        requireMatrix("out", out);
        requireSameShape("out", out, "x", x);
        if (x.dtype() != DType.F32 || out.dtype() != DType.F32) {
            throw new IllegalArgumentException("x and out must be F32, got " + x.dtype() + " and " + out.dtype());
        }
        if (x.data().address() == out.data().address() && x.rowStride() != out.rowStride()) {
            throw new IllegalArgumentException("out may be x only with the same row stride (" + x.rowStride()
                    + "), got " + out.rowStride());
        }
        return new esm2j_log_softmax_params()
                .x(new FloatPointer(x.data())).out(new FloatPointer(out.data())).rows(x.rows()).cols(x.cols())
                .x_row_stride(x.rowStride()).out_row_stride(out.rowStride()).stream(stream);
    }

    /**
     * Adds one layer's share of fair-esm's contact head onto (or, when {@code accumulate} is false, writes) the
     * contact logits of a packed batch: per sequence s the layer's fp32 probabilities (heads, T_s, T_s) at element
     * probsOffsets[s] of {@code probs} (as {@link #attention} writes them), symmetrized, APC-corrected and summed over
     * the heads with {@code weight} (fp32, heads: the layer's slice of the regression weight) into the (T_s-2, T_s-2)
     * block at element contactOffsets[s] of {@code logits}. Rows and columns of {@code <eos>} tokens count as zero.
     * tokens: device int32 (totalTokens); rowSumWorkspace: device fp32 (heads * totalTokens); offsets: device int64
     * (numSeqs). After the last layer, {@link #contactHeadFinish} turns the logits into probabilities.
     */
    public static void contactHeadAccumulate(FloatPointer probs, LongPointer probsOffsets, IntPointer cuSeqlens,
            IntPointer tokens, long numSeqs, long totalTokens, long heads, long maxSeqlen, FloatPointer weight,
            FloatPointer logits, LongPointer contactOffsets, FloatPointer rowSumWorkspace, int eosToken,
            boolean accumulate, Pointer stream) {
        try (esm2j_contact_head_params p = contactHeadParams(probs, probsOffsets, cuSeqlens, tokens, numSeqs,
                totalTokens, heads, maxSeqlen, weight, logits, contactOffsets, rowSumWorkspace, eosToken, accumulate,
                stream)) {
            check(Esm2jCuda.esm2j_contact_head_accumulate(p));
        }
    }

    static esm2j_contact_head_params contactHeadParams(FloatPointer probs, LongPointer probsOffsets,
            IntPointer cuSeqlens, IntPointer tokens, long numSeqs, long totalTokens, long heads, long maxSeqlen,
            FloatPointer weight, FloatPointer logits, LongPointer contactOffsets, FloatPointer rowSumWorkspace,
            int eosToken, boolean accumulate, Pointer stream) {
        requireDevicePointer("probs", probs);
        requireDevicePointer("probsOffsets", probsOffsets);
        requireBatch(cuSeqlens, numSeqs);
        requireDevicePointer("tokens", tokens);
        requireDevicePointer("weight", weight);
        requireDevicePointer("logits", logits);
        requireDevicePointer("contactOffsets", contactOffsets);
        requireDevicePointer("rowSumWorkspace", rowSumWorkspace);
        if (numSeqs > MAX_GRID_YZ) {
            throw new IllegalArgumentException("numSeqs must be at most " + MAX_GRID_YZ + " per call, got " + numSeqs);
        }
        if (heads < 1 || heads > MAX_GRID_YZ) {
            throw new IllegalArgumentException("heads must be in 1.." + MAX_GRID_YZ + ", got " + heads);
        }
        if (totalTokens < 0 || totalTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("totalTokens must be in 0..2^31-1, got " + totalTokens);
        }
        if (maxSeqlen < 1 || (totalTokens > 0 && maxSeqlen > totalTokens)) {
            throw new IllegalArgumentException(
                    "maxSeqlen must be in 1..totalTokens (" + totalTokens + "), got " + maxSeqlen);
        }
        if (maxSeqlen > MAX_CONTACT_SEQLEN) {
            throw new IllegalArgumentException("maxSeqlen must be at most " + MAX_CONTACT_SEQLEN + " for the contact "
                    + "head's tile grid, got " + maxSeqlen);
        }
        return new esm2j_contact_head_params()
                .probs(probs).probs_offsets(probsOffsets).cu_seqlens(cuSeqlens).tokens(tokens).weight(weight)
                .logits(logits).contact_offsets(contactOffsets).row_sum_workspace(rowSumWorkspace)
                .total_tokens(totalTokens).num_seqs(numSeqs).heads(heads).max_seqlen(maxSeqlen).eos_token(eosToken)
                .accumulate(accumulate ? 1 : 0).stream(stream);
    }

    /** logits[i] = sigmoid(logits[i] + bias) in place over {@code count} fp32 values: the contact head's last step. */
    public static void contactHeadFinish(FloatPointer logits, long count, float bias, Pointer stream) {
        try (esm2j_contact_head_finish_params p = contactHeadFinishParams(logits, count, bias, stream)) {
            check(Esm2jCuda.esm2j_contact_head_finish(p));
        }
    }

    static esm2j_contact_head_finish_params contactHeadFinishParams(FloatPointer logits, long count, float bias,
            Pointer stream) {
        requireDevicePointer("logits", logits);
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
        if (!Float.isFinite(bias)) {
            throw new IllegalArgumentException("bias must be finite, got " + bias);
        }
        return new esm2j_contact_head_finish_params().logits(logits).count(count).bias(bias).stream(stream);
    }

    /** The esm2j_dtype code of a floating-point activation type. */
    static int dtypeCode(String name, DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            default -> throw new IllegalArgumentException(name + " must be F32, F16 or BF16, got " + dtype);
        };
    }

    /** Turns a native status into an exception carrying the library's message for this thread. */
    static void check(int status) {
        if (status != Esm2jCuda.ESM2J_OK) {
            throw new CudaException(status, Esm2jCuda.esm2j_last_error().getString());
        }
    }

    private static void requireMatrix(String name, DeviceMatrix m) {
        if (m == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        requireDevicePointer(name + ".data", m.data());
        if (m.rows() < 0 || m.rows() > Integer.MAX_VALUE || m.cols() < 1 || m.cols() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must have 0..2^31-1 rows and 1..2^31-1 columns, got "
                    + m.rows() + " x " + m.cols());
        }
        if (m.rowStride() < m.cols()) {
            throw new IllegalArgumentException(
                    name + " row stride must be at least its " + m.cols() + " columns, got " + m.rowStride());
        }
        dtypeCode(name, m.dtype());
    }

    private static void requireSameShape(String name, DeviceMatrix m, String otherName, DeviceMatrix other) {
        if (m.rows() != other.rows() || m.cols() != other.cols()) {
            throw new IllegalArgumentException(name + " must have the shape of " + otherName + " (" + other.rows()
                    + " x " + other.cols() + "), got " + m.rows() + " x " + m.cols());
        }
    }

    private static void requireDevicePointer(String name, Pointer p) {
        if (p == null || p.isNull()) {
            throw new IllegalArgumentException(name + " must be a device pointer, got null");
        }
    }

    private static void requireBatch(IntPointer cuSeqlens, long numSeqs) {
        requireDevicePointer("cuSeqlens", cuSeqlens);
        if (numSeqs < 1 || numSeqs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("numSeqs must be in 1..2^31-1, got " + numSeqs);
        }
    }
}
