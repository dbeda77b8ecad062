// Host side of the attention kernels: the dispatcher that native/ calls, and the per-head_dim launchers it picks
// from. Each launcher is instantiated in its own attention_hdim<D>.cu, so the instantiations compile in parallel and
// this header stays free of kernel code.
#pragma once

#include <cstdint>

#include "esm2j_cuda.h"

namespace esm2j {
namespace attention {

// Defined in attention.cuh; explicitly instantiated for each supported D by attention_hdim<D>.cu.
template <int D>
void attention_forward(const esm2j_attention_params &p);

}  // namespace attention

// Whether a kernel exists for this head_dim (16, 24, 32, 64, 128: the ESM-2 family).
bool attention_supports_head_dim(int64_t head_dim);

// Enqueues attention for validated params and checks the launch.
esm2j_status launch_attention_forward(const esm2j_attention_params &p);

}  // namespace esm2j
