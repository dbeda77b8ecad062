// LayerNorm forward, one warp per row, fp32 statistics (two passes: mean, then the biased variance of x - mean, which
// avoids the cancellation of E[x^2] - mean^2). The row is read three times; rows of ESM-2 (<= 5120 elements) stay in
// L1, so the extra passes cost little compared with a round trip to HBM.
#pragma once

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kLayerNormRowsPerBlock = 4;

// x is not __restrict__: the API lets y alias x (in-place LayerNorm).
template <typename TIn, typename TOut>
__global__ void __launch_bounds__(32 * kLayerNormRowsPerBlock)
layer_norm_forward_kernel(const TIn *x, TOut *y, const float *__restrict__ gamma,
                          const float *__restrict__ beta, float *mean_out, float *rstd_out, int64_t rows, int dim,
                          int64_t x_row_stride, int64_t y_row_stride, float eps) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * kLayerNormRowsPerBlock + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (row >= rows) return;
    const TIn *xr = x + row * x_row_stride;

    float sum = 0.f;
    for (int i = lane; i < dim; i += 32) sum += to_float(xr[i]);
    const float mean = warp_sum(sum) / dim;

    float squares = 0.f;
    for (int i = lane; i < dim; i += 32) {
        const float d = to_float(xr[i]) - mean;
        squares += d * d;
    }
    const float var = warp_sum(squares) / dim;
    // 1/sqrt rather than rsqrtf: rsqrtf is off by up to 2 ulp and the reference (PyTorch) divides.
    const float rstd = 1.f / sqrtf(var + eps);
    if (lane == 0) {
        if (mean_out != nullptr) mean_out[row] = mean;
        if (rstd_out != nullptr) rstd_out[row] = rstd;
    }

    TOut *yr = y + row * y_row_stride;
    for (int i = lane; i < dim; i += 32) {
        yr[i] = from_float<TOut>((to_float(xr[i]) - mean) * rstd * gamma[i] + beta[i]);
    }
}

template <typename TIn, typename TOut>
void layer_norm_forward(const esm2j_layer_norm_params &p) {
    const unsigned blocks = static_cast<unsigned>(ceil_div(p.rows, kLayerNormRowsPerBlock));
    launch_kernel(layer_norm_forward_kernel<TIn, TOut>, blocks, 32 * kLayerNormRowsPerBlock, 0, p.stream,
        static_cast<const TIn *>(p.x), static_cast<TOut *>(p.y), p.gamma, p.beta, p.mean, p.rstd, p.rows,
        static_cast<int>(p.dim), p.x_row_stride, p.y_row_stride, p.eps);
}

}  // namespace esm2j
