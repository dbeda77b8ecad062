// Shared device helpers: dtype conversion through fp32, warp reductions, and the sequence lookup of packed batches.
// Kernels in this folder are templates on their element types; the .cu beside each header instantiates them.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

#include "launch.cuh"

namespace esm2j {

// --- element types: every kernel computes in fp32 and rounds once on store --------------------------------------
__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// --- reductions -------------------------------------------------------------------------------------------------
__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// --- packed batches -----------------------------------------------------------------------------------------------
// The sequence holding `token`: the last s with cu_seqlens[s] <= token. cu_seqlens has num_seqs + 1 ascending entries.
__device__ __forceinline__ int sequence_of(const int32_t *cu_seqlens, int num_seqs, int64_t token) {
    int lo = 0, hi = num_seqs - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (cu_seqlens[mid] <= token) lo = mid; else hi = mid - 1;
    }
    return lo;
}

__host__ __device__ constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace esm2j

namespace esm2j {

// Calls f(T{}) with T the C++ element type of an esm2j_dtype; returns false for an unknown dtype. Launchers use it to
// turn runtime dtypes into template arguments.
template <typename F>
bool with_dtype(int32_t dtype, F &&f) {
    switch (dtype) {
        case 0: f(float{}); return true;                // ESM2J_DTYPE_F32
        case 1: f(__half{}); return true;               // ESM2J_DTYPE_F16
        case 2: f(__nv_bfloat16{}); return true;        // ESM2J_DTYPE_BF16
        default: return false;
    }
}

}  // namespace esm2j
