// Argument checks shared by the extern "C" entry points: each returns ESM2J_OK or records a message
// "<entry point>: <what>" and returns the failure status. Device memory cannot be inspected from here, so checks cover
// what the host knows: pointers, dims, strides, dtypes.
#pragma once

#include <climits>
#include <cstdint>

#include "error.h"
#include "esm2j_cuda.h"

namespace esm2j {

// Grid x dimension and the int loop bounds inside the kernels.
constexpr int64_t kMaxDim = INT_MAX;

inline bool valid_dtype(int32_t dtype) {
    return dtype == ESM2J_DTYPE_F32 || dtype == ESM2J_DTYPE_F16 || dtype == ESM2J_DTYPE_BF16;
}

inline esm2j_status check_pointer(const char *fn, const void *p, const char *name) {
    return p != nullptr ? ESM2J_OK : fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s must not be null", fn, name);
}

inline esm2j_status check_count(const char *fn, int64_t value, int64_t min, const char *name) {
    if (value < min || value > kMaxDim) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s must be in [%lld, %lld], got %lld", fn, name,
                    static_cast<long long>(min), static_cast<long long>(kMaxDim), static_cast<long long>(value));
    }
    return ESM2J_OK;
}

inline esm2j_status check_stride(const char *fn, int64_t stride, int64_t min, const char *name) {
    if (stride < min) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s must be at least %lld (rows may not overlap), got %lld", fn,
                    name, static_cast<long long>(min), static_cast<long long>(stride));
    }
    return ESM2J_OK;
}

inline esm2j_status check_dtype(const char *fn, int32_t dtype, const char *name) {
    return valid_dtype(dtype)
               ? ESM2J_OK
               : fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s must be an esm2j_dtype (0 F32, 1 F16, 2 BF16), got %d", fn,
                      name, static_cast<int>(dtype));
}

}  // namespace esm2j

// Runs the checks in order and returns the first failure.
#define CHECK(expr)                              \
    do {                                         \
        esm2j_status status_ = (expr);           \
        if (status_ != ESM2J_OK) return status_; \
    } while (0)
