#include "error.h"
#include "fill_random.cuh"
#include "fill_random_launch.h"

namespace esm2j {

esm2j_status launch_fill_random(const esm2j_fill_random_params &p) {
    with_dtype(p.dtype, [&](auto element) { fill_random<decltype(element)>(p); });
    ESM2J_LAUNCH_CHECK("fill_random_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
