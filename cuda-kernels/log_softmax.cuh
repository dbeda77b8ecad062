// Row-wise log-softmax in fp32, one warp per row: the LM head's log-probabilities (fair-esm:
// logits.log_softmax(dim=-1)). ESM-2 rows are 33 columns wide, so the cached kernel keeps a row in registers (two
// values per lane) and reads it once: max by warp shuffle, sum of exp(x - max) by warp shuffle, then
// out = (x - max) - log(sum). Wider rows (not ESM-2's, but the entry point accepts them) go through the streaming
// kernel, which reads the row three times; it stays in L1 between the passes.
// out may alias x (same row stride): every element is read by the lane that later writes it, and all reads of a row
// happen before the reductions that precede its writes, so no other warp or lane sees a half-written row.
#pragma once

#include <math.h>

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kLogSoftmaxRowsPerBlock = 8;

// Columns per lane held in registers: cols <= 32 * kPerLane.
template <int kPerLane>
__global__ void __launch_bounds__(32 * kLogSoftmaxRowsPerBlock)
log_softmax_cached_kernel(const float *x, float *out, int64_t rows, int cols, int64_t x_row_stride,
                          int64_t out_row_stride) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * kLogSoftmaxRowsPerBlock + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (row >= rows) return;
    const float *xr = x + row * x_row_stride;

    float v[kPerLane];
    float max = -INFINITY;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
        const int c = lane + 32 * k;
        v[k] = c < cols ? xr[c] : -INFINITY;
        max = fmaxf(max, v[k]);
    }
    max = warp_max(max);

    float sum = 0.f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
        if (lane + 32 * k < cols) sum += expf(v[k] - max);
    }
    const float log_sum = logf(warp_sum(sum));

    float *outr = out + row * out_row_stride;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
        const int c = lane + 32 * k;
        if (c < cols) outr[c] = (v[k] - max) - log_sum;
    }
}

__global__ void __launch_bounds__(32 * kLogSoftmaxRowsPerBlock)
log_softmax_streaming_kernel(const float *x, float *out, int64_t rows, int cols, int64_t x_row_stride,
                             int64_t out_row_stride) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * kLogSoftmaxRowsPerBlock + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (row >= rows) return;
    const float *xr = x + row * x_row_stride;

    // 64-bit column index: with cols near INT_MAX, c + 32 would overflow an int.
    float max = -INFINITY;
    for (int64_t c = lane; c < cols; c += 32) max = fmaxf(max, xr[c]);
    max = warp_max(max);

    float sum = 0.f;
    for (int64_t c = lane; c < cols; c += 32) sum += expf(xr[c] - max);
    const float log_sum = logf(warp_sum(sum));

    // Each lane reads x[c] before writing out[c] for the same c, so an aliased row is safe here too.
    float *outr = out + row * out_row_stride;
    for (int64_t c = lane; c < cols; c += 32) outr[c] = (xr[c] - max) - log_sum;
}

inline void log_softmax_forward(const esm2j_log_softmax_params &p) {
    const unsigned blocks = static_cast<unsigned>(ceil_div(p.rows, kLogSoftmaxRowsPerBlock));
    const int cols = static_cast<int>(p.cols);
    const dim3 block(32 * kLogSoftmaxRowsPerBlock);
    if (cols <= 32) {
        launch_kernel(log_softmax_cached_kernel<1>, blocks, block, 0, p.stream, p.x, p.out, p.rows, cols,
                      p.x_row_stride, p.out_row_stride);
    } else if (cols <= 64) {
        launch_kernel(log_softmax_cached_kernel<2>, blocks, block, 0, p.stream, p.x, p.out, p.rows, cols,
                      p.x_row_stride, p.out_row_stride);
    } else if (cols <= 128) {
        launch_kernel(log_softmax_cached_kernel<4>, blocks, block, 0, p.stream, p.x, p.out, p.rows, cols,
                      p.x_row_stride, p.out_row_stride);
    } else {
        launch_kernel(log_softmax_streaming_kernel, blocks, block, 0, p.stream, p.x, p.out, p.rows, cols,
                      p.x_row_stride, p.out_row_stride);
    }
}

}  // namespace esm2j
