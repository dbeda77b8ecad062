// The extern "C" entry points of the per-layer kernels: argument checks that name the field at fault (checks.h),
// then the kernel launchers. Other families have their own api_*.cpp.
#include <cmath>

#include "checks.h"
#include "error.h"
#include "esm2j_cuda.h"
#include "attention/attention_launch.h"
#include "launchers.h"

using namespace esm2j;  // the checks

extern "C" int esm2j_layer_norm_forward(const esm2j_layer_norm_params *params) {
    const char *fn = "esm2j_layer_norm_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_layer_norm_params &p = *params;
    CHECK(check_pointer(fn, p.x, "x"));
    CHECK(check_pointer(fn, p.y, "y"));
    CHECK(check_pointer(fn, p.gamma, "gamma"));
    CHECK(check_pointer(fn, p.beta, "beta"));
    CHECK(check_count(fn, p.rows, 0, "rows"));
    CHECK(check_count(fn, p.dim, 1, "dim"));
    CHECK(check_stride(fn, p.x_row_stride, p.dim, "x_row_stride"));
    CHECK(check_stride(fn, p.y_row_stride, p.dim, "y_row_stride"));
    CHECK(check_dtype(fn, p.x_dtype, "x_dtype"));
    CHECK(check_dtype(fn, p.y_dtype, "y_dtype"));
    if (!(p.eps > 0.f) || !std::isfinite(p.eps)) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: eps must be positive and finite, got %g", fn, p.eps);
    }
    if (p.rows == 0) return ESM2J_OK;
    CHECK(check_alias(fn, p.x, p.x_dtype, p.x_row_stride, p.y, p.y_dtype, p.y_row_stride, p.rows, p.dim, "x", "y"));
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_layer_norm_forward(p);
}

extern "C" int esm2j_bias_gelu_forward(const esm2j_bias_gelu_params *params) {
    const char *fn = "esm2j_bias_gelu_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_bias_gelu_params &p = *params;
    CHECK(check_pointer(fn, p.x, "x"));
    CHECK(check_pointer(fn, p.y, "y"));
    CHECK(check_count(fn, p.rows, 0, "rows"));
    CHECK(check_count(fn, p.cols, 1, "cols"));
    CHECK(check_stride(fn, p.x_row_stride, p.cols, "x_row_stride"));
    CHECK(check_stride(fn, p.y_row_stride, p.cols, "y_row_stride"));
    CHECK(check_dtype(fn, p.dtype, "dtype"));
    if (p.rows == 0) return ESM2J_OK;
    CHECK(check_alias(fn, p.x, p.dtype, p.x_row_stride, p.y, p.dtype, p.y_row_stride, p.rows, p.cols, "x", "y"));
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_bias_gelu_forward(p);
}

extern "C" int esm2j_residual_add_forward(const esm2j_residual_add_params *params) {
    const char *fn = "esm2j_residual_add_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_residual_add_params &p = *params;
    CHECK(check_pointer(fn, p.residual, "residual"));
    CHECK(check_pointer(fn, p.delta, "delta"));
    CHECK(check_count(fn, p.rows, 0, "rows"));
    CHECK(check_count(fn, p.cols, 1, "cols"));
    CHECK(check_stride(fn, p.residual_row_stride, p.cols, "residual_row_stride"));
    CHECK(check_stride(fn, p.delta_row_stride, p.cols, "delta_row_stride"));
    CHECK(check_dtype(fn, p.residual_dtype, "residual_dtype"));
    CHECK(check_dtype(fn, p.delta_dtype, "delta_dtype"));
    if (p.rows == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_residual_add_forward(p);
}

extern "C" int esm2j_qkv_epilogue_forward(const esm2j_qkv_epilogue_params *params) {
    const char *fn = "esm2j_qkv_epilogue_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_qkv_epilogue_params &p = *params;
    CHECK(check_pointer(fn, p.qkv, "qkv"));
    CHECK(check_pointer(fn, p.inv_freq, "inv_freq"));
    CHECK(check_pointer(fn, p.cu_seqlens, "cu_seqlens"));
    CHECK(check_pointer(fn, p.q, "q"));
    CHECK(check_pointer(fn, p.k, "k"));
    CHECK(check_pointer(fn, p.v, "v"));
    CHECK(check_count(fn, p.total_tokens, 0, "total_tokens"));
    CHECK(check_count(fn, p.num_seqs, 1, "num_seqs"));
    CHECK(check_count(fn, p.heads, 1, "heads"));
    CHECK(check_count(fn, p.head_dim, 2, "head_dim"));
    if (p.head_dim % 2 != 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: head_dim must be even for the half-split rotary, got %lld", fn,
                    static_cast<long long>(p.head_dim));
    }
    CHECK(check_count(fn, 3 * p.heads * p.head_dim, 1, "3 * heads * head_dim"));
    CHECK(check_stride(fn, p.qkv_row_stride, 3 * p.heads * p.head_dim, "qkv_row_stride"));
    CHECK(check_stride(fn, p.out_head_stride, p.head_dim, "out_head_stride"));
    CHECK(check_stride(fn, p.out_token_stride, p.heads * p.out_head_stride, "out_token_stride"));
    CHECK(check_dtype(fn, p.in_dtype, "in_dtype"));
    CHECK(check_dtype(fn, p.out_dtype, "out_dtype"));
    if (!std::isfinite(p.q_scale)) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: q_scale must be finite, got %g", fn, p.q_scale);
    }
    if (p.total_tokens == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_qkv_epilogue_forward(p);
}

extern "C" int esm2j_embedding_forward(const esm2j_embedding_params *params) {
    const char *fn = "esm2j_embedding_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_embedding_params &p = *params;
    CHECK(check_pointer(fn, p.tokens, "tokens"));
    CHECK(check_pointer(fn, p.cu_seqlens, "cu_seqlens"));
    CHECK(check_pointer(fn, p.table, "table"));
    CHECK(check_pointer(fn, p.out, "out"));
    CHECK(check_pointer(fn, p.seq_divisor_workspace, "seq_divisor_workspace"));
    CHECK(check_count(fn, p.total_tokens, 0, "total_tokens"));
    CHECK(check_count(fn, p.num_seqs, 1, "num_seqs"));
    CHECK(check_count(fn, p.vocab, 1, "vocab"));
    CHECK(check_count(fn, p.dim, 1, "dim"));
    CHECK(check_stride(fn, p.table_row_stride, p.dim, "table_row_stride"));
    CHECK(check_stride(fn, p.out_row_stride, p.dim, "out_row_stride"));
    CHECK(check_dtype(fn, p.table_dtype, "table_dtype"));
    CHECK(check_dtype(fn, p.out_dtype, "out_dtype"));
    if (!(p.keep_scale > 0.f) || !std::isfinite(p.keep_scale)) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: keep_scale must be positive and finite, got %g", fn,
                    p.keep_scale);
    }
    if (p.total_tokens == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_embedding_forward(p);
}

extern "C" int esm2j_attention_forward(const esm2j_attention_params *params) {
    const char *fn = "esm2j_attention_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_attention_params &p = *params;
    CHECK(check_pointer(fn, p.q, "q"));
    CHECK(check_pointer(fn, p.k, "k"));
    CHECK(check_pointer(fn, p.v, "v"));
    CHECK(check_pointer(fn, p.out, "out"));
    CHECK(check_pointer(fn, p.cu_seqlens, "cu_seqlens"));
    if (p.probs != nullptr) CHECK(check_pointer(fn, p.probs_offsets, "probs_offsets (probs is set)"));
    CHECK(check_count(fn, p.total_tokens, 0, "total_tokens"));
    // Grid y and z limits: heads and sequences each take one grid dimension.
    CHECK(check_count(fn, p.num_seqs, 1, "num_seqs"));
    if (p.num_seqs > 65535) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: num_seqs must be at most 65535 per call, got %lld", fn,
                    static_cast<long long>(p.num_seqs));
    }
    CHECK(check_count(fn, p.heads, 1, "heads"));
    if (p.heads > 65535) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: heads must be at most 65535, got %lld", fn,
                    static_cast<long long>(p.heads));
    }
    CHECK(check_count(fn, p.head_dim, 1, "head_dim"));
    CHECK(check_count(fn, p.heads * p.head_dim, 1, "heads * head_dim"));
    CHECK(check_count(fn, p.max_seqlen, 1, "max_seqlen"));
    if (p.max_seqlen > p.total_tokens && p.total_tokens > 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: max_seqlen (%lld) must not exceed total_tokens (%lld)", fn,
                    static_cast<long long>(p.max_seqlen), static_cast<long long>(p.total_tokens));
    }
    CHECK(check_stride(fn, p.head_stride, p.head_dim, "head_stride"));
    CHECK(check_stride(fn, p.token_stride, p.heads * p.head_stride, "token_stride"));
    CHECK(check_stride(fn, p.out_row_stride, p.heads * p.head_dim, "out_row_stride"));
    CHECK(check_dtype(fn, p.dtype, "dtype"));
    if (!std::isfinite(p.scale)) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: scale must be finite, got %g", fn, p.scale);
    }
    if (!esm2j::attention_supports_head_dim(p.head_dim)) {
        return fail(ESM2J_ERROR_UNSUPPORTED, "%s: head_dim must be 16, 24, 32, 64 or 128, got %lld", fn,
                    static_cast<long long>(p.head_dim));
    }
    if (p.total_tokens == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_attention_forward(p);
}
