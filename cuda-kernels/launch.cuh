// Kernel launches and dynamic shared memory, each through one function, so that the kernel sources compile both with
// nvcc and, with ESM2J_EMULATE, as plain C++ against the CPU emulator in emu/ (which has no <<<>>> syntax and no
// extern __shared__).
#pragma once

#include <cstddef>

#ifdef ESM2J_EMULATE
#include "emu/device.h"
#include "emu/stream_capture.h"
#endif

namespace esm2j {

template <typename T>
struct NonDeduced {
    using type = T;
};

// Enqueues kernel<<<grid, block, dynamic_shared_bytes, stream>>>(args...); the arguments convert to the kernel's
// parameter types as in a plain call. Launch errors are read afterwards with ESM2J_LAUNCH_CHECK.
template <typename... Params>
void launch_kernel(void (*kernel)(Params...), dim3 grid, dim3 block, size_t dynamic_shared_bytes, cudaStream_t stream,
                   typename NonDeduced<Params>::type... args) {
#ifdef ESM2J_EMULATE
    auto run = [=] { ::esm2j_emu::launch(kernel, grid, block, dynamic_shared_bytes, stream, args...); };
    if (!::esm2j_emu::record_if_capturing(stream, run)) run();
#else
    kernel<<<grid, block, dynamic_shared_bytes, stream>>>(args...);
#endif
}

// The block's dynamic shared memory (the launch's dynamic_shared_bytes), 128-byte aligned.
template <typename T>
__device__ __forceinline__ T *dynamic_shared_memory() {
#ifdef ESM2J_EMULATE
    return static_cast<T *>(::esm2j_emu::dynamic_shared_memory());
#else
    extern __shared__ __align__(128) unsigned char esm2j_dynamic_shared[];
    return reinterpret_cast<T *>(esm2j_dynamic_shared);
#endif
}

}  // namespace esm2j
