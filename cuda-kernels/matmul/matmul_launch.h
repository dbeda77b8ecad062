// Host side of the hand-written matmul: the launcher that native/src/api_matmul.cpp calls after its argument checks.
// Kernel code stays in matmul.cuh, so this header is plain C++.
#pragma once

#include "esm2j_cuda.h"

namespace esm2j {

// Enqueues y = epilogue(x W^T + bias) for validated params (rows >= 1; in, x_row_stride and w_row_stride multiples of
// 8; x and w 16-byte aligned; in_dtype F16 or BF16), with the tile configuration that suits rows x out on the current
// device; reports CUDA failures through esm2j::cuda_failure.
esm2j_status launch_matmul_forward(const esm2j_matmul_params &p);

}  // namespace esm2j
