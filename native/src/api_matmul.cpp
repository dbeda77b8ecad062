// The extern "C" entry point of the hand-written matmul: argument checks that name the field at fault, then the
// launcher in cuda-kernels/matmul. Invalid arguments come first; valid arguments that the tensor-core kernel cannot
// load (16-byte rows) are ESM2J_ERROR_UNSUPPORTED, so the caller can fall back to cuBLASLt.
#include <cstdint>

#include "checks.h"
#include "error.h"
#include "esm2j_cuda.h"
#include "matmul/matmul_launch.h"

using namespace esm2j;  // the checks

extern "C" int esm2j_matmul_forward(const esm2j_matmul_params *params) {
    const char *fn = "esm2j_matmul_forward";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_matmul_params &p = *params;
    CHECK(check_pointer(fn, p.x, "x"));
    CHECK(check_pointer(fn, p.w, "w"));
    CHECK(check_pointer(fn, p.y, "y"));
    CHECK(check_count(fn, p.rows, 0, "rows"));
    CHECK(check_count(fn, p.in, 1, "in"));
    CHECK(check_count(fn, p.out, 1, "out"));
    CHECK(check_stride(fn, p.x_row_stride, p.in, "x_row_stride"));
    CHECK(check_stride(fn, p.w_row_stride, p.in, "w_row_stride"));
    CHECK(check_stride(fn, p.y_row_stride, p.out, "y_row_stride"));
    CHECK(check_dtype(fn, p.in_dtype, "in_dtype"));
    CHECK(check_dtype(fn, p.y_dtype, "y_dtype"));
    if (p.gelu != 0 && p.accumulate != 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: gelu and accumulate are exclusive, got both", fn);
    }
    if (p.rows > 0) {
        const ByteRange y = extent(p.y, p.rows, p.out, p.y_row_stride, dtype_bytes(p.y_dtype));
        if (overlap(y, extent(p.x, p.rows, p.in, p.x_row_stride, dtype_bytes(p.in_dtype)))) {
            return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: y must not overlap x", fn);
        }
        if (overlap(y, extent(p.w, p.out, p.in, p.w_row_stride, dtype_bytes(p.in_dtype)))) {
            return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: y must not overlap w", fn);
        }
    }
    // What the tensor-core loads need: 16-bit inputs in 16-byte chunks.
    if (p.in_dtype == ESM2J_DTYPE_F32) {
        return fail(ESM2J_ERROR_UNSUPPORTED, "%s: in_dtype must be F16 or BF16 for the tensor-core kernel, got F32",
                    fn);
    }
    const struct {
        int64_t value;
        const char *name;
    } multiples[] = {{p.in, "in"}, {p.x_row_stride, "x_row_stride"}, {p.w_row_stride, "w_row_stride"}};
    for (const auto &m : multiples) {
        if (m.value % 8 != 0) {
            return fail(ESM2J_ERROR_UNSUPPORTED, "%s: %s must be a multiple of 8 for 16-byte loads, got %lld", fn,
                        m.name, static_cast<long long>(m.value));
        }
    }
    if (reinterpret_cast<uintptr_t>(p.x) % 16 != 0) {
        return fail(ESM2J_ERROR_UNSUPPORTED, "%s: x must be 16-byte aligned for 16-byte loads", fn);
    }
    if (reinterpret_cast<uintptr_t>(p.w) % 16 != 0) {
        return fail(ESM2J_ERROR_UNSUPPORTED, "%s: w must be 16-byte aligned for 16-byte loads", fn);
    }
    if (reinterpret_cast<uintptr_t>(p.y) % static_cast<uintptr_t>(dtype_bytes(p.y_dtype)) != 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: y must be aligned to its %d-byte elements", fn,
                    dtype_bytes(p.y_dtype));
    }
    if (p.rows == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_matmul_forward(p);
}
