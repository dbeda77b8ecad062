// The extern "C" entry point of the random fill (benchmark weights made on the device): argument checks that name the
// field at fault, then the launcher in cuda-kernels/fill_random.cu.
#include <cmath>
#include <cstdint>

#include "checks.h"
#include "error.h"
#include "esm2j_cuda.h"
#include "fill_random_launch.h"

using namespace esm2j;  // the checks

namespace {

// Bytes of one element of a valid esm2j_dtype.
int64_t element_bytes(int32_t dtype) { return dtype == ESM2J_DTYPE_F32 ? 4 : 2; }

}  // namespace

extern "C" int esm2j_fill_random(const esm2j_fill_random_params *params) {
    const char *fn = "esm2j_fill_random";
    CHECK(check_pointer(fn, params, "params"));
    const esm2j_fill_random_params &p = *params;
    CHECK(check_pointer(fn, p.x, "x"));
    CHECK(check_dtype(fn, p.dtype, "dtype"));
    // count is not limited to 2^31 (the kernel indexes with int64), only so that its size in bytes fits an int64.
    const int64_t max_count = INT64_MAX / element_bytes(p.dtype);
    if (p.count < 0 || p.count > max_count) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: count must be in [0, %lld], got %lld", fn,
                    static_cast<long long>(max_count), static_cast<long long>(p.count));
    }
    if (reinterpret_cast<uintptr_t>(p.x) % static_cast<uintptr_t>(element_bytes(p.dtype)) != 0) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: x must be aligned to its %lld-byte elements", fn,
                    static_cast<long long>(element_bytes(p.dtype)));
    }
    if (!(p.scale >= 0.f) || !std::isfinite(p.scale)) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: scale must be finite and non-negative, got %g", fn,
                    static_cast<double>(p.scale));
    }
    if (p.count == 0) return ESM2J_OK;
    CHECK(check_no_pending_error(fn));
    return esm2j::launch_fill_random(p);
}
