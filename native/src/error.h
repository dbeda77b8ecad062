// Failure reporting for the C ABI: a thread-local message plus a status code, never exit().
#pragma once

#include <cuda_runtime_api.h>

#include "esm2j_cuda.h"

namespace esm2j {

// Records a printf-style message for esm2j_last_error() on this thread and returns `status`.
esm2j_status fail(esm2j_status status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Records a failed CUDA call with where it happened; returns ESM2J_ERROR_CUDA.
esm2j_status cuda_failure(cudaError_t error, const char *what, const char *file, int line);

}  // namespace esm2j

// Checks a CUDA runtime call; on failure records "<error name>: <description> in <call> at file:line" and returns
// the status from the enclosing function.
#define ESM2J_CUDA_CHECK(call)                                                   \
    do {                                                                         \
        cudaError_t esm2j_error_ = (call);                                       \
        if (esm2j_error_ != cudaSuccess) {                                       \
            return ::esm2j::cuda_failure(esm2j_error_, #call, __FILE__, __LINE__); \
        }                                                                        \
    } while (0)

// After a kernel launch: launch-configuration errors surface through cudaGetLastError(), not the launch itself. The
// entry points call check_no_pending_error (checks.h) before launching, so an error seen here was not pending from
// earlier work (an asynchronous fault of earlier work that surfaces between the two checks is still blamed on this
// launch; only a synchronisation can tell them apart). `kernel_name` is a string literal naming what was launched.
#define ESM2J_LAUNCH_CHECK(kernel_name)                                                              \
    do {                                                                                             \
        cudaError_t esm2j_error_ = cudaGetLastError();                                               \
        if (esm2j_error_ != cudaSuccess) {                                                           \
            return ::esm2j::cuda_failure(esm2j_error_, "launch of " kernel_name, __FILE__, __LINE__); \
        }                                                                                            \
    } while (0)
