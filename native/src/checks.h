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

inline esm2j_status check_copy_kind(const char *fn, int32_t kind) {
    return kind == ESM2J_COPY_HOST_TO_DEVICE || kind == ESM2J_COPY_DEVICE_TO_HOST || kind == ESM2J_COPY_DEVICE_TO_DEVICE
               ? ESM2J_OK
               : fail(ESM2J_ERROR_INVALID_ARGUMENT,
                      "%s: kind must be an esm2j_copy_kind (1 host to device, 2 device to host, 3 device to device), "
                      "got %d", fn, static_cast<int>(kind));
}

inline esm2j_status check_dtype(const char *fn, int32_t dtype, const char *name) {
    return valid_dtype(dtype)
               ? ESM2J_OK
               : fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s must be an esm2j_dtype (0 F32, 1 F16, 2 BF16), got %d", fn,
                      name, static_cast<int>(dtype));
}

// Byte range [begin, end) of a (rows >= 1, cols) matrix of `element_bytes` elements with a row stride (int128: no
// overflow for any int64 dims).
struct ByteRange {
    unsigned __int128 begin;
    unsigned __int128 end;
};

inline ByteRange extent(const void *base, int64_t rows, int64_t cols, int64_t row_stride, int element_bytes) {
    const unsigned __int128 begin = reinterpret_cast<uintptr_t>(base);
    const unsigned __int128 elements =
        static_cast<unsigned __int128>(rows - 1) * static_cast<uint64_t>(row_stride) + static_cast<uint64_t>(cols);
    return {begin, begin + elements * static_cast<unsigned>(element_bytes)};
}

inline bool overlap(ByteRange a, ByteRange b) { return a.begin < b.end && b.begin < a.end; }

inline int dtype_bytes(int32_t dtype) { return dtype == ESM2J_DTYPE_F32 ? 4 : 2; }

// An output may be its input exactly (x == y, the same dtype and row stride: in place) or apart from it; a partial
// overlap would let one row's writes reach rows still to be read. rows >= 1.
inline esm2j_status check_alias(const char *fn, const void *x, int32_t x_dtype, int64_t x_row_stride, const void *y,
                                int32_t y_dtype, int64_t y_row_stride, int64_t rows, int64_t cols, const char *x_name,
                                const char *y_name) {
    if (x == y) {
        if (x_dtype != y_dtype || x_row_stride != y_row_stride) {
            return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s may alias %s only with the same dtype and row stride", fn,
                        y_name, x_name);
        }
        return ESM2J_OK;
    }
    if (overlap(extent(x, rows, cols, x_row_stride, dtype_bytes(x_dtype)),
                extent(y, rows, cols, y_row_stride, dtype_bytes(y_dtype)))) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "%s: %s overlaps %s without being the same array", fn, y_name,
                    x_name);
    }
    return ESM2J_OK;
}

// Before a launch: an error already pending (from earlier asynchronous work) is reported as such, so that the check
// after the launch (ESM2J_LAUNCH_CHECK, cudaGetLastError) sees only what this launch caused.
inline esm2j_status check_no_pending_error(const char *fn) {
    const cudaError_t pending = cudaPeekAtLastError();
    if (pending != cudaSuccess) {
        return fail(ESM2J_ERROR_CUDA, "%s: %s: %s was pending from earlier asynchronous work; nothing was launched", fn,
                    cudaGetErrorName(pending), cudaGetErrorString(pending));
    }
    return ESM2J_OK;
}

}  // namespace esm2j

// Runs the checks in order and returns the first failure.
#define CHECK(expr)                              \
    do {                                         \
        esm2j_status status_ = (expr);           \
        if (status_ != ESM2J_OK) return status_; \
    } while (0)
