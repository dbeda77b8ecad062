// bias + exact erf-GELU, the fc1 epilogue: one block per row, threads striding over the columns.
#pragma once

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kEpilogueThreads = 256;

// The division by sqrt(2) (not a multiplication by its inverse) reproduces PyTorch's fp32 rounding.
__device__ __forceinline__ float gelu_erf(float v) { return v * 0.5f * (1.f + erff(v / 1.41421356237309515f)); }

template <typename T>
__global__ void __launch_bounds__(kEpilogueThreads)
bias_gelu_forward_kernel(const T *x, T *y, const float *__restrict__ bias, int cols, int64_t x_row_stride,
                         int64_t y_row_stride) {
    const int64_t row = blockIdx.x;
    const T *xr = x + row * x_row_stride;
    T *yr = y + row * y_row_stride;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = to_float(xr[c]);
        if (bias != nullptr) v += bias[c];
        yr[c] = from_float<T>(gelu_erf(v));
    }
}

template <typename T>
void bias_gelu_forward(const esm2j_bias_gelu_params &p) {
    launch_kernel(bias_gelu_forward_kernel<T>, static_cast<unsigned>(p.rows), kEpilogueThreads, 0, p.stream,
        static_cast<const T *>(p.x), static_cast<T *>(p.y), p.bias, static_cast<int>(p.cols), p.x_row_stride,
        p.y_row_stride);
}

}  // namespace esm2j
