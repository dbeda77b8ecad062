// Host-side controls of the CPU emulator for its tests (the kernels and the native API do not use this header).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace esm2j_emu {

// The most recent launch on this process, for tests that check which configuration the host code picked.
struct LaunchRecord {
    const void *kernel;
    dim3 grid, block;
    size_t dynamic_shared_bytes;
    long long launches;  // launches so far, successful or not
};
LaunchRecord last_launch();

// Streaming multiprocessors the emulated device reports (default 132, an H100 SXM); matmul's tile choice reads it.
void set_sm_count(int sm_count);

}  // namespace esm2j_emu
