#include "error.h"
#include "launchers.h"
#include "layer_norm.cuh"

namespace esm2j {

esm2j_status launch_layer_norm_forward(const esm2j_layer_norm_params &p) {
    with_dtype(p.x_dtype, [&](auto in) {
        with_dtype(p.y_dtype, [&](auto out) { layer_norm_forward<decltype(in), decltype(out)>(p); });
    });
    ESM2J_LAUNCH_CHECK("layer_norm_forward_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
