// The extern "C" entry points of the model heads: the LM head's log-softmax and the contact head. Argument checks name
// the field at fault (checks.h), then the launchers in cuda-kernels/heads_launch.h run.
#include <cmath>

#include "checks.h"
#include "error.h"
#include "esm2j_cuda.h"
#include "heads_launch.h"

using namespace esm2j;  // the checks

extern "C" int esm2j_log_softmax_forward(const esm2j_log_softmax_params *params) {
    const char *fn = "esm2j_log_softmax_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_log_softmax_params &p = *params;
    CHECK(check_pointer(fn, p.x, "x"));
    CHECK(check_pointer(fn, p.out, "out"));
    CHECK(check_count(fn, p.rows, 0, "rows"));
    CHECK(check_count(fn, p.cols, 1, "cols"));
    CHECK(check_stride(fn, p.x_row_stride, p.cols, "x_row_stride"));
    CHECK(check_stride(fn, p.out_row_stride, p.cols, "out_row_stride"));
    if (p.rows == 0) return ESM2J_OK;
    CHECK(check_alias(fn, p.x, ESM2J_DTYPE_F32, p.x_row_stride, p.out, ESM2J_DTYPE_F32, p.out_row_stride, p.rows,
                      p.cols, "x", "out"));
    CHECK(check_no_pending_error(fn));
    return launch_log_softmax_forward(p);
}

extern "C" int esm2j_contact_head_accumulate(const esm2j_contact_head_params *params) {
    const char *fn = "esm2j_contact_head_accumulate";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_contact_head_params &p = *params;
    CHECK(check_pointer(fn, p.probs, "probs"));
    CHECK(check_pointer(fn, p.probs_offsets, "probs_offsets"));
    CHECK(check_pointer(fn, p.cu_seqlens, "cu_seqlens"));
    CHECK(check_pointer(fn, p.tokens, "tokens"));
    CHECK(check_pointer(fn, p.weight, "weight"));
    CHECK(check_pointer(fn, p.logits, "logits"));
    CHECK(check_pointer(fn, p.contact_offsets, "contact_offsets"));
    CHECK(check_pointer(fn, p.row_sum_workspace, "row_sum_workspace"));
    CHECK(check_count(fn, p.total_tokens, 0, "total_tokens"));
    CHECK(check_count(fn, p.num_seqs, 1, "num_seqs"));
    if (p.num_seqs > kContactMaxGridYZ) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: num_seqs must be at most %lld per call, got %lld", fn,
                    static_cast<long long>(kContactMaxGridYZ), static_cast<long long>(p.num_seqs));
    }
    CHECK(check_count(fn, p.heads, 1, "heads"));
    if (p.heads > kContactMaxGridYZ) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: heads must be at most %lld, got %lld", fn,
                    static_cast<long long>(kContactMaxGridYZ), static_cast<long long>(p.heads));
    }
    CHECK(check_count(fn, p.max_seqlen, 1, "max_seqlen"));
    if (p.max_seqlen > kContactMaxSeqlen) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: max_seqlen must be at most %lld, got %lld", fn,
                    static_cast<long long>(kContactMaxSeqlen), static_cast<long long>(p.max_seqlen));
    }
    if (p.max_seqlen > p.total_tokens && p.total_tokens > 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: max_seqlen (%lld) must not exceed total_tokens (%lld)", fn,
                    static_cast<long long>(p.max_seqlen), static_cast<long long>(p.total_tokens));
    }
    // No residues anywhere (an empty batch, or only <cls><eos> sequences): nothing is launched, so nothing can fail.
    if (p.total_tokens == 0 || p.max_seqlen <= 2) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return launch_contact_head_accumulate(p);
}

extern "C" int esm2j_contact_head_finish(const esm2j_contact_head_finish_params *params) {
    const char *fn = "esm2j_contact_head_finish";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_contact_head_finish_params &p = *params;
    CHECK(check_pointer(fn, p.logits, "logits"));
    if (p.count < 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: count must not be negative, got %lld", fn,
                    static_cast<long long>(p.count));
    }
    if (!std::isfinite(p.bias)) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: bias must be finite, got %g", fn, p.bias);
    }
    if (p.count == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return launch_contact_head_finish(p);
}
