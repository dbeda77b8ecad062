// Host launchers of the kernels in this folder. The C entry points in native/ validate arguments and call these;
// each launcher enqueues its kernels and reports launch failures through esm2j::cuda_failure.
#pragma once

#include "esm2j_cuda.h"

namespace esm2j {

esm2j_status launch_layer_norm_forward(const esm2j_layer_norm_params &p);
esm2j_status launch_bias_gelu_forward(const esm2j_bias_gelu_params &p);
esm2j_status launch_residual_add_forward(const esm2j_residual_add_params &p);
esm2j_status launch_qkv_epilogue_forward(const esm2j_qkv_epilogue_params &p);
esm2j_status launch_embedding_forward(const esm2j_embedding_params &p);

}  // namespace esm2j
