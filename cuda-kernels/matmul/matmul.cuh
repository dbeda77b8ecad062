// Mixed-precision matmul y = epilogue(x W^T + bias) on tensor cores, for Ampere and Hopper (sm_80 instructions, which
// sm_90a runs as well): x (rows, K) and W (N, K) row-major bf16/fp16, fp32 accumulation, one rounding to y's dtype.
//
// Structure of one thread block (tile BM x BN of y):
// - global -> shared: cp.async 16-byte copies (L2 only, .cg) into a kStages-deep ring of K-slices of kBlockK = 32
//   elements; each 16-byte chunk is a fully valid or fully missing 8-element run, because K and both row strides are
//   multiples of 8, so rows past `rows`/`N` and k past K are zero-filled with src-size 0 and add nothing.
// - shared layout: both tiles are K-contiguous (W is (N, K), exactly what mma's "col" B operand wants), 32 elements =
//   4 chunks of 16 bytes per row. Chunk c of row r is stored at chunk c ^ ((r >> 1) & 3): the 8 rows an ldmatrix
//   phase reads (same logical chunk, 8 consecutive rows, 64 bytes apart) land in 8 distinct 16-byte bank groups.
// - shared -> registers: ldmatrix.x4 (A: one 16x16 block, B: two n8 x k16 blocks), then mma.sync m16n8k16 with fp32
//   accumulators, a WM x WN warp tile per warp.
// - epilogue straight from the accumulators: + bias, exact erf-GELU or + existing y, all in fp32, then one rounding;
//   pairs of adjacent columns are stored together when y's address and row stride allow it.
// Blocks are rasterised in groups of kGroupM block rows, so consecutive blocks share x rows and W columns in L2.
#pragma once

#include <cstdint>

#include "../bias_gelu.cuh"
#include "../common.cuh"
#include "../ptx.cuh"
#include "esm2j_cuda.h"

namespace esm2j {
namespace matmul {

constexpr int kBlockK = 32;   // elements of K per pipeline stage: 64 bytes per row, 4 cp.async chunks
constexpr int kChunk = 8;     // elements per 16-byte chunk
constexpr int kGroupM = 8;    // block rows per rasterisation group

// A tile configuration: block tile BM x BN, WARPS_M x WARPS_N warps each computing a (BM / WARPS_M) x (BN / WARPS_N)
// warp tile, kStages-deep cp.async pipeline, and the blocks per SM that __launch_bounds__ asks the compiler to fit.
template <int BM_, int BN_, int WARPS_M_, int WARPS_N_, int STAGES_, int MIN_BLOCKS_>
struct TileConfig {
    static constexpr int BM = BM_;
    static constexpr int BN = BN_;
    static constexpr int WARPS_M = WARPS_M_;
    static constexpr int WARPS_N = WARPS_N_;
    static constexpr int kStages = STAGES_;
    static constexpr int kMinBlocks = MIN_BLOCKS_;
    static constexpr int kThreads = 32 * WARPS_M * WARPS_N;
    static constexpr int WM = BM / WARPS_M;
    static constexpr int WN = BN / WARPS_N;
    static constexpr int MI = WM / 16;  // m16 fragments per warp tile
    static constexpr int NI = WN / 8;   // n8 fragments per warp tile
    static constexpr int kStageElems = (BM + BN) * kBlockK;
    static constexpr int kSmemBytes = kStages * kStageElems * 2;
    static_assert(WM % 16 == 0 && WN % 16 == 0, "warp tile must be whole m16 x (2 x n8) fragments");
    static_assert((BM * kBlockK / kChunk) % kThreads == 0 && (BN * kBlockK / kChunk) % kThreads == 0,
                  "every thread copies the same number of chunks");
    static_assert(kStages >= 2, "a pipeline needs at least two stages");
};

// 128 x 128, 8 warps of 64 x 32: the large GEMMs (ffn, QKV and projections of 150M and up at thousands of rows).
using Tile128x128 = TileConfig<128, 128, 2, 4, 4, 2>;
// 128 x 64, 4 warps of 64 x 32: narrow outputs (D = 320, 480, 640) and fewer tiles.
using Tile128x64 = TileConfig<128, 64, 2, 2, 4, 3>;
// 64 x 64, 4 warps of 32 x 32: few rows or the 40-column LM head, where larger tiles leave SMs idle.
using Tile64x64 = TileConfig<64, 64, 2, 2, 4, 4>;

// Element offset of (row, 16-byte chunk) in a swizzled K-slice tile of 32 elements per row.
__device__ __forceinline__ int swizzled(int row, int chunk) {
    return row * kBlockK + ((chunk ^ ((row >> 1) & 3)) * kChunk);
}

// --- epilogue stores: one or two adjacent columns ------------------------------------------------------------------

__device__ __forceinline__ float2 load_pair(const float *p) { return *reinterpret_cast<const float2 *>(p); }
__device__ __forceinline__ float2 load_pair(const __half *p) {
    return __half22float2(*reinterpret_cast<const __half2 *>(p));
}
__device__ __forceinline__ float2 load_pair(const __nv_bfloat16 *p) {
    return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(p));
}

__device__ __forceinline__ void store_pair(float *p, float a, float b) {
    *reinterpret_cast<float2 *>(p) = make_float2(a, b);
}
__device__ __forceinline__ void store_pair(__half *p, float a, float b) {
    *reinterpret_cast<__half2 *>(p) = __floats2half2_rn(a, b);
}
__device__ __forceinline__ void store_pair(__nv_bfloat16 *p, float a, float b) {
    *reinterpret_cast<__nv_bfloat162 *>(p) = __floats2bfloat162_rn(a, b);
}

struct EpilogueArgs {
    const float *bias;    // (N) or null
    int gelu;             // y = gelu(acc + bias)
    int accumulate;       // y += acc + bias
    bool paired_stores;   // y and its row stride allow 2-element vector accesses at even columns
};

// --- the kernel ---------------------------------------------------------------------------------------------------

template <typename Cfg, typename T, typename TOut>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
matmul_kernel(const T *__restrict__ x, const T *__restrict__ w, TOut *y, int rows, int K, int N,
              int64_t x_row_stride, int64_t w_row_stride, int64_t y_row_stride, EpilogueArgs epilogue) {
    constexpr int BM = Cfg::BM, BN = Cfg::BN, MI = Cfg::MI, NI = Cfg::NI, kStages = Cfg::kStages;
    constexpr int kThreads = Cfg::kThreads;
    T *smem = dynamic_shared_memory<T>();

    // Grouped rasterisation: kGroupM block rows sweep the block columns together.
    const int tiles_m = static_cast<int>(ceil_div(rows, BM)), tiles_n = static_cast<int>(ceil_div(N, BN));
    const int pid = static_cast<int>(blockIdx.x);
    const int per_group = kGroupM * tiles_n;
    const int first_m = (pid / per_group) * kGroupM;
    const int group_rows = min(tiles_m - first_m, kGroupM);
    const int tile_m = first_m + (pid % per_group) % group_rows;
    const int tile_n = (pid % per_group) / group_rows;
    const int m0 = tile_m * BM, n0 = tile_n * BN;

    const int tid = static_cast<int>(threadIdx.x), lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp / Cfg::WARPS_N, warp_n = warp % Cfg::WARPS_N;

    // Stage s holds the A slice (BM x 32) then the B slice (BN x 32).
    auto load_stage = [&](int stage, int k_tile) {
        T *sa = smem + stage * Cfg::kStageElems;
        T *sb = sa + BM * kBlockK;
        const int k0 = k_tile * kBlockK;
#pragma unroll
        for (int i = 0; i < BM * (kBlockK / kChunk) / kThreads; ++i) {
            const int index = tid + i * kThreads, r = index >> 2, c = index & 3;
            const int row = m0 + r, k = k0 + c * kChunk;
            const bool valid = row < rows && k < K;
            const T *src = valid ? x + static_cast<int64_t>(row) * x_row_stride + k : x;
            ptx::cp_async_16(sa + swizzled(r, c), src, valid ? 16 : 0);
        }
#pragma unroll
        for (int i = 0; i < BN * (kBlockK / kChunk) / kThreads; ++i) {
            const int index = tid + i * kThreads, r = index >> 2, c = index & 3;
            const int col = n0 + r, k = k0 + c * kChunk;
            const bool valid = col < N && k < K;
            const T *src = valid ? w + static_cast<int64_t>(col) * w_row_stride + k : w;
            ptx::cp_async_16(sb + swizzled(r, c), src, valid ? 16 : 0);
        }
    };

    float acc[MI][NI][4];
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0.f;

    const int k_tiles = static_cast<int>(ceil_div(K, kBlockK));
    // Prologue: kStages - 1 slices in flight. A group is committed even when empty so that the group count, and with
    // it the wait below, is the same for every iteration.
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < k_tiles) load_stage(s, s);
        ptx::cp_async_commit();
    }

    // Per-lane ldmatrix rows and chunk offsets (see the fragment layouts of mma.m16n8k16):
    // A x4 = {rows 0-7 k 0-7, rows 8-15 k 0-7, rows 0-7 k 8-15, rows 8-15 k 8-15} = a0..a3;
    // B x4 = {n 0-7 k 0-7, n 0-7 k 8-15, n 8-15 k 0-7, n 8-15 k 8-15} = b0, b1 of n8 tile 0, then of n8 tile 1.
    const int a_row = warp_m * Cfg::WM + (lane & 15), a_chunk = lane >> 4;
    const int b_row = warp_n * Cfg::WN + ((lane >> 4) << 3) + (lane & 7), b_chunk = (lane >> 3) & 1;

    for (int kt = 0; kt < k_tiles; ++kt) {
        // Slice kt has landed once at most kStages - 2 newer groups are pending; the barrier makes every thread's
        // copies visible and guarantees that all warps are done with the stage the prefetch below overwrites
        // (the one computed in iteration kt - 1).
        ptx::cp_async_wait<kStages - 2>();
        __syncthreads();
        const int next = kt + kStages - 1;
        if (next < k_tiles) load_stage(next % kStages, next);
        ptx::cp_async_commit();

        const T *sa = smem + (kt % kStages) * Cfg::kStageElems;
        const T *sb = sa + BM * kBlockK;
#pragma unroll
        for (int ks = 0; ks < kBlockK / 16; ++ks) {
            uint32_t a[MI][4];
            uint32_t b[NI][2];
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) {
                ptx::ldmatrix_x4(a[mi], sa + swizzled(a_row + mi * 16, ks * 2 + a_chunk));
            }
#pragma unroll
            for (int pair = 0; pair < NI / 2; ++pair) {
                uint32_t r[4];
                ptx::ldmatrix_x4(r, sb + swizzled(b_row + pair * 16, ks * 2 + b_chunk));
                b[2 * pair][0] = r[0];
                b[2 * pair][1] = r[1];
                b[2 * pair + 1][0] = r[2];
                b[2 * pair + 1][1] = r[3];
            }
#pragma unroll
            for (int mi = 0; mi < MI; ++mi)
#pragma unroll
                for (int ni = 0; ni < NI; ++ni) ptx::mma_m16n8k16(acc[mi][ni], a[mi], b[ni][0], b[ni][1], T{});
        }
    }
    ptx::cp_async_wait<0>();

    // Accumulator layout of m16n8: c0, c1 at (row lane/4, cols 2*(lane%4) + 0/1), c2, c3 at row lane/4 + 8.
    const int row_base = m0 + warp_m * Cfg::WM + (lane >> 2);
    const int col_base = n0 + warp_n * Cfg::WN + 2 * (lane & 3);
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) {
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int row = row_base + mi * 16 + half * 8;
            if (row >= rows) continue;
            TOut *y_row = y + static_cast<int64_t>(row) * y_row_stride;
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
                const int col = col_base + ni * 8;
                if (col >= N) continue;
                const bool both = col + 1 < N;
                float v0 = acc[mi][ni][2 * half], v1 = acc[mi][ni][2 * half + 1];
                if (epilogue.bias != nullptr) {
                    v0 += epilogue.bias[col];
                    if (both) v1 += epilogue.bias[col + 1];
                }
                if (epilogue.gelu) {
                    v0 = gelu_erf(v0);
                    v1 = gelu_erf(v1);
                }
                if (both && epilogue.paired_stores) {
                    if (epilogue.accumulate) {
                        const float2 old = load_pair(y_row + col);
                        v0 += old.x;
                        v1 += old.y;
                    }
                    store_pair(y_row + col, v0, v1);
                } else {
                    if (epilogue.accumulate) {
                        v0 += to_float(y_row[col]);
                        if (both) v1 += to_float(y_row[col + 1]);
                    }
                    y_row[col] = from_float<TOut>(v0);
                    if (both) y_row[col + 1] = from_float<TOut>(v1);
                }
            }
        }
    }
}

// --- host side ----------------------------------------------------------------------------------------------------

template <typename Cfg, typename T, typename TOut>
constexpr auto kernel_of() {
    return &matmul_kernel<Cfg, T, TOut>;
}

// Lets the kernel use more than the default 48 KB of dynamic shared memory; to be called before occupancy queries
// and launches on the current device.
template <typename Cfg, typename T, typename TOut>
cudaError_t prepare_kernel() {
    return cudaFuncSetAttribute(kernel_of<Cfg, T, TOut>(), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                Cfg::kSmemBytes);
}

// Resident blocks per SM of this instantiation on the current device (0 when it cannot run there).
template <typename Cfg, typename T, typename TOut>
cudaError_t blocks_per_sm(int *blocks) {
    cudaError_t error = prepare_kernel<Cfg, T, TOut>();
    if (error != cudaSuccess) return error;
    return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, kernel_of<Cfg, T, TOut>(), Cfg::kThreads,
                                                         Cfg::kSmemBytes);
}

// Number of blocks a launch of this configuration needs (one per output tile, in grid x).
template <typename Cfg>
int64_t grid_blocks(int64_t rows, int64_t out) {
    return ceil_div(rows, Cfg::BM) * ceil_div(out, Cfg::BN);
}

// --- tile choice --------------------------------------------------------------------------------------------------

enum class Tile { k128x128 = 0, k128x64 = 1, k64x64 = 2 };
constexpr int kTileCount = 3;

inline const char *tile_name(Tile tile) {
    switch (tile) {
        case Tile::k128x128: return "128x128";
        case Tile::k128x64: return "128x64";
        default: return "64x64";
    }
}

// Calls f(Cfg{}) with the configuration type of `tile` and returns what f returns.
template <typename F>
auto with_tile(Tile tile, F &&f) {
    switch (tile) {
        case Tile::k128x128: return f(Tile128x128{});
        case Tile::k128x64: return f(Tile128x64{});
        default: return f(Tile64x64{});
    }
}

// Relative tensor-core throughput of an SM full of each configuration's blocks: larger warp tiles reuse each ldmatrix
// over more mma instructions. First estimates, to be re-tuned from lab_matmul's per-configuration timings.
constexpr double kTileSpeed[kTileCount] = {1.0, 0.9, 0.75};

// The configuration that finishes rows x out soonest under a wave model: blocks run in waves of
// sm_count * blocks_per_sm[t]; a wave costs blocks_per_sm * BM * BN / speed (the outputs one SM computes in it).
// That charges both the padding of partial tiles and a last wave that leaves SMs idle. Configurations with zero
// resident blocks, or more blocks than grid x allows, are skipped; returns false when none is left.
inline bool choose_tile(int64_t rows, int64_t out, int sm_count, const int (&blocks_per_sm)[kTileCount],
                        Tile *chosen) {
    const int64_t block_m[kTileCount] = {Tile128x128::BM, Tile128x64::BM, Tile64x64::BM};
    const int64_t block_n[kTileCount] = {Tile128x128::BN, Tile128x64::BN, Tile64x64::BN};
    bool found = false;
    double best = 0;
    for (int t = 0; t < kTileCount; ++t) {
        if (blocks_per_sm[t] < 1 || sm_count < 1) continue;
        const int64_t tiles = ceil_div(rows, block_m[t]) * ceil_div(out, block_n[t]);
        if (tiles > 2147483647LL) continue;
        const int64_t waves = ceil_div(tiles, static_cast<int64_t>(sm_count) * blocks_per_sm[t]);
        const double cost = static_cast<double>(waves) * blocks_per_sm[t] * block_m[t] * block_n[t] / kTileSpeed[t];
        if (!found || cost < best) {
            found = true;
            best = cost;
            *chosen = static_cast<Tile>(t);
        }
    }
    return found;
}

// Enqueues the kernel for validated params (rows >= 1, in a multiple of 8, 16-byte aligned x and w, grid_blocks
// within the grid limit) after prepare_kernel has run on this device; errors surface via cudaGetLastError().
template <typename Cfg, typename T, typename TOut>
void matmul_forward(const esm2j_matmul_params &p) {
    const uintptr_t y_address = reinterpret_cast<uintptr_t>(p.y);
    EpilogueArgs epilogue{p.bias, p.gelu, p.accumulate,
                          p.y_row_stride % 2 == 0 && y_address % (2 * sizeof(TOut)) == 0};
    const unsigned blocks = static_cast<unsigned>(grid_blocks<Cfg>(p.rows, p.out));
    launch_kernel(matmul_kernel<Cfg, T, TOut>, blocks, Cfg::kThreads, Cfg::kSmemBytes, p.stream,
        static_cast<const T *>(p.x), static_cast<const T *>(p.w), static_cast<TOut *>(p.y),
        static_cast<int>(p.rows), static_cast<int>(p.in), static_cast<int>(p.out), p.x_row_stride, p.w_row_stride,
        p.y_row_stride, epilogue);
}

}  // namespace matmul
}  // namespace esm2j
