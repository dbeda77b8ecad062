#include "bias_gelu.cuh"
#include "error.h"
#include "launchers.h"

namespace esm2j {

esm2j_status launch_bias_gelu_forward(const esm2j_bias_gelu_params &p) {
    with_dtype(p.dtype, [&](auto t) { bias_gelu_forward<decltype(t)>(p); });
    ESM2J_LAUNCH_CHECK("bias_gelu_forward_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
