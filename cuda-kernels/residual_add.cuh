// residual += delta + bias, the out_proj and fc2 epilogue: one block per row, threads striding over the columns.
#pragma once

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kResidualThreads = 256;

template <typename TRes, typename TDelta>
__global__ void __launch_bounds__(kResidualThreads)
residual_add_forward_kernel(TRes *residual, const TDelta *__restrict__ delta, const float *__restrict__ bias,
                            int cols, int64_t residual_row_stride, int64_t delta_row_stride) {
    const int64_t row = blockIdx.x;
    TRes *rr = residual + row * residual_row_stride;
    const TDelta *dr = delta + row * delta_row_stride;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        // delta + bias first: the bias belongs to the Linear whose output is added to the residual.
        float d = to_float(dr[c]);
        if (bias != nullptr) d += bias[c];
        rr[c] = from_float<TRes>(to_float(rr[c]) + d);
    }
}

template <typename TRes, typename TDelta>
void residual_add_forward(const esm2j_residual_add_params &p) {
    launch_kernel(residual_add_forward_kernel<TRes, TDelta>, static_cast<unsigned>(p.rows), kResidualThreads, 0,
        p.stream, static_cast<TRes *>(p.residual), static_cast<const TDelta *>(p.delta), p.bias, static_cast<int>(p.cols),
        p.residual_row_stride, p.delta_row_stride);
}

}  // namespace esm2j
