// Host launcher of the random fill (fill_random.cu); native/src/api_fill.cpp validates the params and calls it.
#pragma once

#include "esm2j_cuda.h"

namespace esm2j {

// Enqueues the fill of p.count > 0 elements on p.stream and checks the launch.
esm2j_status launch_fill_random(const esm2j_fill_random_params &p);

}  // namespace esm2j
