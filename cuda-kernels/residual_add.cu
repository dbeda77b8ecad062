#include "error.h"
#include "launchers.h"
#include "residual_add.cuh"

namespace esm2j {

esm2j_status launch_residual_add_forward(const esm2j_residual_add_params &p) {
    with_dtype(p.residual_dtype, [&](auto res) {
        with_dtype(p.delta_dtype, [&](auto delta) { residual_add_forward<decltype(res), decltype(delta)>(p); });
    });
    ESM2J_LAUNCH_CHECK("residual_add_forward_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
