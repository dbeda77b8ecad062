// The CUDA device-side language for kernel sources compiled as plain C++ with ESM2J_EMULATE: qualifiers, built-in
// indices, block barriers, warp collectives, the PTX operations of ../ptx.cuh and the launch of ../launch.cuh, all
// served by the emulator (emulator.cpp). Each CUDA thread of a block runs as its own fiber; see README.md here.
#pragma once

#ifndef ESM2J_EMULATE
#error "emu/device.h is for ESM2J_EMULATE builds only"
#endif

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
// Static shared variables are function-local statics, gathered by shared_memory.ld into one section that the emulator
// fills with NaN bytes before every block; blocks run one at a time, so a block has the section to itself.
#define __shared__ static

namespace esm2j_emu {

// --- built-in indices of the running fiber -------------------------------------------------------------------------
struct ThreadContext {
    uint3 thread_idx;
    uint3 block_idx;
    dim3 block_dim;
    dim3 grid_dim;
};
// The running fiber's indices. A plain global, not thread_local: launches are serialised process-wide (blocks share the
// static shared memory section), and a thread_local reached through its TLS wrapper was reported null by UBSan on fiber
// stacks.
extern const ThreadContext *current_context;

// --- block and warp synchronisation ---------------------------------------------------------------------------------
void block_barrier(const char *file, int line);

enum class WarpOp : int { kSync, kShfl, kShflUp, kShflDown, kShflXor, kBallot, kAny, kAll, kMma, kLdmatrix };
// One warp-wide exchange: every lane of `mask` calls it from the same site with its operand; returns this lane's
// result. `value` is up to 8 bytes, `arg` the lane/offset/width operand.
uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width, const char *file, int line);

enum class MmaType : int { kF16, kBf16 };
void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, MmaType type,
                  const char *file = __builtin_FILE(), int line = __builtin_LINE());
void ldmatrix_x4(uint32_t (&r)[4], const void *shared_row, bool transpose, const char *file = __builtin_FILE(),
                 int line = __builtin_LINE());
void cp_async(void *shared_dst, const void *global_src, int copy_bytes, int src_bytes);
void cp_async_commit();
// Completes this thread's oldest groups until at most `pending` remain; -1 completes everything (wait_all).
void cp_async_wait(int pending);
void *dynamic_shared_memory();

// --- launches -------------------------------------------------------------------------------------------------------
using KernelInvoker = void (*)(void *bound_call);
// Runs the whole grid before returning (a stream is in order, so this is one legal schedule); launch errors are left
// for cudaGetLastError as on a device.
void launch_grid(const void *kernel, KernelInvoker invoke, void *bound_call, dim3 grid, dim3 block,
                 size_t dynamic_shared_bytes, cudaStream_t stream);

template <typename... Params>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t dynamic_shared_bytes, cudaStream_t stream,
            Params... args) {
    struct Bound {
        void (*kernel)(Params...);
        std::tuple<Params...> args;
    } bound{kernel, std::tuple<Params...>(args...)};
    // Each fiber calls the kernel with its own copy of the parameters, as each device thread reads its own.
    KernelInvoker invoke = [](void *p) {
        Bound *b = static_cast<Bound *>(p);
        std::apply(b->kernel, b->args);
    };
    launch_grid(reinterpret_cast<const void *>(kernel), invoke, &bound, grid, block, dynamic_shared_bytes, stream);
}

}  // namespace esm2j_emu

#define threadIdx (::esm2j_emu::current_context->thread_idx)
#define blockIdx (::esm2j_emu::current_context->block_idx)
#define blockDim (::esm2j_emu::current_context->block_dim)
#define gridDim (::esm2j_emu::current_context->grid_dim)

inline void __syncthreads(const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    esm2j_emu::block_barrier(file, line);
}
inline void __syncwarp(unsigned mask = 0xffffffffu, const char *file = __builtin_FILE(),
                       int line = __builtin_LINE()) {
    esm2j_emu::warp_collective(esm2j_emu::WarpOp::kSync, mask, 0, 0, 32, file, line);
}

namespace esm2j_emu {
template <typename T>
uint64_t to_bits(T v) {
    static_assert(sizeof(T) <= 8, "shuffles move at most 8 bytes");
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof v);
    return bits;
}
template <typename T>
T from_bits(uint64_t bits) {
    T v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}
template <typename T>
T shuffle(WarpOp op, unsigned mask, T v, int arg, int width, const char *file, int line) {
    return from_bits<T>(warp_collective(op, mask, to_bits(v), arg, width, file, line));
}
}  // namespace esm2j_emu

template <typename T>
T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32, const char *file = __builtin_FILE(),
              int line = __builtin_LINE()) {
    return esm2j_emu::shuffle(esm2j_emu::WarpOp::kShfl, mask, v, src_lane, width, file, line);
}
template <typename T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32, const char *file = __builtin_FILE(),
                 int line = __builtin_LINE()) {
    return esm2j_emu::shuffle(esm2j_emu::WarpOp::kShflUp, mask, v, static_cast<int>(delta), width, file, line);
}
template <typename T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32, const char *file = __builtin_FILE(),
                   int line = __builtin_LINE()) {
    return esm2j_emu::shuffle(esm2j_emu::WarpOp::kShflDown, mask, v, static_cast<int>(delta), width, file, line);
}
template <typename T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32, const char *file = __builtin_FILE(),
                  int line = __builtin_LINE()) {
    return esm2j_emu::shuffle(esm2j_emu::WarpOp::kShflXor, mask, v, lane_mask, width, file, line);
}
inline unsigned __ballot_sync(unsigned mask, int predicate, const char *file = __builtin_FILE(),
                              int line = __builtin_LINE()) {
    return static_cast<unsigned>(
        esm2j_emu::warp_collective(esm2j_emu::WarpOp::kBallot, mask, predicate != 0, 0, 32, file, line));
}
inline int __any_sync(unsigned mask, int predicate, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    return static_cast<int>(
        esm2j_emu::warp_collective(esm2j_emu::WarpOp::kAny, mask, predicate != 0, 0, 32, file, line));
}
inline int __all_sync(unsigned mask, int predicate, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    return static_cast<int>(
        esm2j_emu::warp_collective(esm2j_emu::WarpOp::kAll, mask, predicate != 0, 0, 32, file, line));
}

// Fibers of a block interleave only at barriers and collectives, but the builtins are atomic (ThreadSanitizer sees
// them as such).
inline int atomicAdd(int *address, int v) { return __atomic_fetch_add(address, v, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned *address, unsigned v) { return __atomic_fetch_add(address, v, __ATOMIC_RELAXED); }
inline float atomicAdd(float *address, float v) {
    float old = *address, desired;
    do {
        desired = old + v;
    } while (!__atomic_compare_exchange(address, &old, &desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return old;
}

inline float __int_as_float(int v) { return esm2j_emu::from_bits<float>(static_cast<uint32_t>(v)); }
inline int __float_as_int(float v) { return static_cast<int>(esm2j_emu::to_bits(v)); }
using std::max;
using std::min;
