// Picks the tile configuration and the (input, output) dtype instantiation of the matmul kernel.
#include <atomic>

#include "error.h"
#include "matmul/matmul.cuh"
#include "matmul/matmul_launch.h"

namespace esm2j {
namespace {

// Occupancy is queried once per device and instantiation; devices past this index are queried on every call.
constexpr int kCachedDevices = 16;

// Resident blocks per SM of each tile configuration for this (T, TOut) on `device` (the current device).
template <typename T, typename TOut>
cudaError_t tile_occupancy(int device, int (&blocks)[matmul::kTileCount]) {
    // Zero-initialised static storage; a cached entry holds blocks + 1 so that 0 means "not queried yet". Two
    // threads racing on a first query store the same value.
    static std::atomic<int> cache[kCachedDevices][matmul::kTileCount];
    const bool cacheable = device >= 0 && device < kCachedDevices;
    for (int t = 0; t < matmul::kTileCount; ++t) {
        const int cached = cacheable ? cache[device][t].load(std::memory_order_relaxed) : 0;
        if (cached > 0) {
            blocks[t] = cached - 1;
            continue;
        }
        const cudaError_t error = matmul::with_tile(static_cast<matmul::Tile>(t), [&](auto cfg) {
            return matmul::blocks_per_sm<decltype(cfg), T, TOut>(&blocks[t]);
        });
        if (error != cudaSuccess) return error;
        if (cacheable) cache[device][t].store(blocks[t] + 1, std::memory_order_relaxed);
    }
    return cudaSuccess;
}

template <typename T, typename TOut>
esm2j_status launch_typed(const esm2j_matmul_params &p) {
    int device = 0, sm_count = 0;
    ESM2J_CUDA_CHECK(cudaGetDevice(&device));
    ESM2J_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device));
    int blocks[matmul::kTileCount];
    ESM2J_CUDA_CHECK((tile_occupancy<T, TOut>(device, blocks)));
    matmul::Tile tile = matmul::Tile::k64x64;  // overwritten by choose_tile when it succeeds
    if (!matmul::choose_tile(p.rows, p.out, sm_count, blocks, &tile)) {
        return fail(ESM2J_ERROR_UNSUPPORTED,
                    "esm2j_matmul_forward: no tile configuration can run rows=%lld x out=%lld on this device",
                    static_cast<long long>(p.rows), static_cast<long long>(p.out));
    }
    // The shared-memory limit is (re)applied before every launch: cheap, and right even after a device reset.
    ESM2J_CUDA_CHECK(matmul::with_tile(tile, [&](auto cfg) {
        using Cfg = decltype(cfg);
        const cudaError_t error = matmul::prepare_kernel<Cfg, T, TOut>();
        if (error == cudaSuccess) matmul::matmul_forward<Cfg, T, TOut>(p);
        return error;
    }));
    ESM2J_LAUNCH_CHECK("matmul_kernel");
    return ESM2J_OK;
}

template <typename T>
esm2j_status launch_for_input(const esm2j_matmul_params &p) {
    switch (p.y_dtype) {
        case ESM2J_DTYPE_F32: return launch_typed<T, float>(p);
        case ESM2J_DTYPE_F16: return launch_typed<T, __half>(p);
        case ESM2J_DTYPE_BF16: return launch_typed<T, __nv_bfloat16>(p);
        default:
            return fail(ESM2J_ERROR_INVALID_ARGUMENT, "esm2j_matmul_forward: y_dtype %d is not an esm2j_dtype",
                        static_cast<int>(p.y_dtype));
    }
}

}  // namespace

esm2j_status launch_matmul_forward(const esm2j_matmul_params &p) {
    switch (p.in_dtype) {
        case ESM2J_DTYPE_F16: return launch_for_input<__half>(p);
        case ESM2J_DTYPE_BF16: return launch_for_input<__nv_bfloat16>(p);
        default:
            return fail(ESM2J_ERROR_UNSUPPORTED, "esm2j_matmul_forward: no kernel for in_dtype %d (F16 or BF16 only)",
                        static_cast<int>(p.in_dtype));
    }
}

}  // namespace esm2j
