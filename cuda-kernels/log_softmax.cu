#include "error.h"
#include "heads_launch.h"
#include "log_softmax.cuh"

namespace esm2j {

esm2j_status launch_log_softmax_forward(const esm2j_log_softmax_params &p) {
    log_softmax_forward(p);
    ESM2J_LAUNCH_CHECK("log_softmax_forward_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
