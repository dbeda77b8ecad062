// Non-causal multi-head attention forward over packed variable-length sequences (cu_seqlens), O = softmax(scale Q K^T) V.
//
// Two kernels, both templates on the head dimension D and launched over the grid (query tile, head, sequence); a
// block whose query tile starts past its sequence's end returns at once, so the grid is sized by max_seqlen:
//
// - bf16/fp16: FlashAttention-2 style on tensor cores. 4 warps, each owning 16 query rows of a 64-row tile; Q stays in
//   registers as mma A fragments; K/V tiles of kBlockN keys stream through shared memory (cp.async, double buffered).
//   S = Q K^T and O += P V are mma.sync m16n8k16 with fp32 accumulators; softmax is online in fp32 (running row max m
//   and row sum l, rescaling O when m grows) and P is rounded to the input type only as the A operand of P V.
//   A head_dim that is not a multiple of 16 (24, for ESM-2 35M) is padded to the next one (32) in shared memory and
//   registers only: the padded columns are zero, so they add nothing to Q K^T and their outputs are never stored.
// - fp32: the same tiling on CUDA cores, 4 threads per query row (each owning every 4th channel), fp32 throughout.
//
// Probabilities (optional, fp32, for attention maps and contacts) come from a second pass over the keys after the
// first has produced the final m and l of each row: scores are recomputed and exp(s - m) / l is written. Keeping
// the pass separate leaves the main loop untouched and costs one more Q K^T only when probabilities are asked for.
//
// All exponentials are exp2 of scores pre-multiplied by scale * log2(e), so one FMUL per score folds the softmax
// scale and the change of base; the row max is taken after scaling, which stays right for a negative scale.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common.cuh"
#include "ptx.cuh"
#include "esm2j_cuda.h"

namespace esm2j {
namespace attention {

constexpr float kLog2e = 1.4426950408889634f;

// The device-side view of esm2j_attention_params.
template <typename T>
struct Args {
    const T *q, *k, *v;
    T *out;
    float *probs;
    const int64_t *probs_offsets;
    const int32_t *cu_seqlens;
    int64_t token_stride, head_stride, out_row_stride;
    float scale_log2;  // scale * log2(e)
    bool vector_loads; // k/v 16-byte aligned with strides that keep every row 16-byte aligned
};

// The sequence of this block: its first token and length.
struct SequenceSpan {
    int start, length;
};

__device__ __forceinline__ SequenceSpan sequence_span(const int32_t *cu_seqlens) {
    const int start = cu_seqlens[blockIdx.z];
    return {start, cu_seqlens[blockIdx.z + 1] - start};
}

// --- tensor-core kernel (bf16 / fp16) ------------------------------------------------------------------------------

constexpr int kMmaWarps = 4;
constexpr int kMmaBlockM = 16 * kMmaWarps;

template <int D>
struct MmaTile {
    static constexpr int kPaddedD = (D + 15) / 16 * 16;      // k extent of Q K^T, n extent of P V
    static constexpr int kBlockN = kPaddedD >= 128 ? 32 : 64; // keys per tile: 2 stages of K and V stay under 48 KB
    // Row pitch in shared memory: 8 extra elements (16 bytes) keep rows 16-byte aligned for cp.async/ldmatrix and
    // shift consecutive rows by 4 banks, so the 8 rows a fragment load touches hit distinct banks.
    static constexpr int kPitch = kPaddedD + 8;
    static constexpr int kChunksPerRow = D / 8;              // 16-byte chunks of real data per row
};

template <typename T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t *>(&v);
}
template <>
__device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t *>(&v);
}

// Copies rows [first, first + rows_in_tile) of one head of K or V into a tile of kBlockN rows; rows at or past
// `valid_rows` become zero (a zero V row keeps 0 * garbage out of P V). The padded columns are never written.
template <int D, typename T>
__device__ __forceinline__ void load_tile(T *tile, const T *head_base, int64_t token_stride, int first,
                                          int valid_rows, bool vector_loads) {
    using Tile = MmaTile<D>;
    if (vector_loads) {
        for (int c = threadIdx.x; c < Tile::kBlockN * Tile::kChunksPerRow; c += 32 * kMmaWarps) {
            const int row = c / Tile::kChunksPerRow, chunk = c % Tile::kChunksPerRow;
            const bool inside = first + row < valid_rows;
            // Out-of-range rows still need a valid address for cp.async; the head's first row is one.
            const T *src = head_base + (inside ? static_cast<int64_t>(first + row) * token_stride : 0) + chunk * 8;
            ptx::cp_async_16(tile + row * Tile::kPitch + chunk * 8, src, inside ? 16 : 0);
        }
        ptx::cp_async_commit();
    } else {
        for (int e = threadIdx.x; e < Tile::kBlockN * D; e += 32 * kMmaWarps) {
            const int row = e / D, col = e % D;
            tile[row * Tile::kPitch + col] = first + row < valid_rows
                                                 ? head_base[static_cast<int64_t>(first + row) * token_stride + col]
                                                 : from_float<T>(0.f);
        }
    }
}

// S (16 x kBlockN per warp, fp32) = Q K^T for the keys of one shared tile.
template <int D, typename T>
__device__ __forceinline__ void scores(float (&s)[MmaTile<D>::kBlockN / 8][4],
                                       const uint32_t (&q_frag)[MmaTile<D>::kPaddedD / 16][4], const T *k_tile,
                                       int group, int lane_in_group) {
    using Tile = MmaTile<D>;
#pragma unroll
    for (int nt = 0; nt < Tile::kBlockN / 8; ++nt) {
        s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
        // B fragment: b0 = K[key][k0 + 2t, +1], b1 = K[key][k0 + 8 + 2t, +1] with key = nt*8 + group.
        const T *k_row = k_tile + (nt * 8 + group) * Tile::kPitch + 2 * lane_in_group;
#pragma unroll
        for (int kc = 0; kc < Tile::kPaddedD / 16; ++kc) {
            const uint32_t b0 = *reinterpret_cast<const uint32_t *>(k_row + kc * 16);
            const uint32_t b1 = *reinterpret_cast<const uint32_t *>(k_row + kc * 16 + 8);
            ptx::mma_m16n8k16(s[nt], q_frag[kc], b0, b1, T{});
        }
    }
}

// Scales scores into the exp2 domain; keys at or past `valid_keys` (counted from the tile start) become -inf.
template <int kBlockN>
__device__ __forceinline__ void scale_and_mask(float (&s)[kBlockN / 8][4], float scale_log2, int valid_keys,
                                               int lane_in_group) {
#pragma unroll
    for (int nt = 0; nt < kBlockN / 8; ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            const int key = nt * 8 + 2 * lane_in_group + (e & 1);
            s[nt][e] = key < valid_keys ? s[nt][e] * scale_log2 : -INFINITY;
        }
    }
}

template <int D, typename T>
__global__ void __launch_bounds__(32 * kMmaWarps) attention_mma_kernel(Args<T> args) {
    using Tile = MmaTile<D>;
    constexpr int kN = Tile::kBlockN, kPadD = Tile::kPaddedD;
    const SequenceSpan seq = sequence_span(args.cu_seqlens);
    const int query_tile_start = blockIdx.x * kMmaBlockM;
    if (query_tile_start >= seq.length) return;
    const int head = blockIdx.y;

    __shared__ __align__(16) T k_tiles[2][kN * Tile::kPitch];
    __shared__ __align__(16) T v_tiles[2][kN * Tile::kPitch];

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int group = lane / 4, lane_in_group = lane % 4;  // the mma fragment coordinates
    // This thread's two query rows (within the sequence): group and group + 8 of the warp's 16.
    const int row0 = query_tile_start + warp * 16 + group, row1 = row0 + 8;

    const int64_t head_offset = static_cast<int64_t>(head) * args.head_stride;
    const T *k_head = args.k + static_cast<int64_t>(seq.start) * args.token_stride + head_offset;
    const T *v_head = args.v + static_cast<int64_t>(seq.start) * args.token_stride + head_offset;

    // The zero padding columns of the shared tiles (D = 24 only), written once and never overwritten.
    if constexpr (kPadD != D) {
        for (int e = threadIdx.x; e < 2 * kN * (kPadD - D); e += 32 * kMmaWarps) {
            const int stage = e / (kN * (kPadD - D)), rest = e % (kN * (kPadD - D));
            const int index = (rest / (kPadD - D)) * Tile::kPitch + D + rest % (kPadD - D);
            k_tiles[stage][index] = from_float<T>(0.f);
            v_tiles[stage][index] = from_float<T>(0.f);
        }
    }

    const int num_key_tiles = (seq.length + kN - 1) / kN;
    load_tile<D>(k_tiles[0], k_head, args.token_stride, 0, seq.length, args.vector_loads);
    load_tile<D>(v_tiles[0], v_head, args.token_stride, 0, seq.length, args.vector_loads);

    // Q as A fragments, read once: a0 (row0, k 2t..2t+1), a1 (row1, same k), a2/a3 the same at k + 8. Rows past the
    // sequence end and padded columns are zero.
    uint32_t q_frag[kPadD / 16][4];
    {
        auto q_pair = [&](int row, int col) -> uint32_t {
            if (row >= seq.length || col >= D) return 0u;
            const T *p = args.q + static_cast<int64_t>(seq.start + row) * args.token_stride + head_offset + col;
            uint16_t lo, hi;  // two loads: q rows need only 2-byte alignment
            memcpy(&lo, p, sizeof lo);
            memcpy(&hi, p + 1, sizeof hi);
            return static_cast<uint32_t>(lo) | static_cast<uint32_t>(hi) << 16;
        };
#pragma unroll
        for (int kc = 0; kc < kPadD / 16; ++kc) {
            const int col = kc * 16 + 2 * lane_in_group;
            q_frag[kc][0] = q_pair(row0, col);
            q_frag[kc][1] = q_pair(row1, col);
            q_frag[kc][2] = q_pair(row0, col + 8);
            q_frag[kc][3] = q_pair(row1, col + 8);
        }
    }

    float o[kPadD / 8][4];
#pragma unroll
    for (int dt = 0; dt < kPadD / 8; ++dt) o[dt][0] = o[dt][1] = o[dt][2] = o[dt][3] = 0.f;
    // Running max (exp2 domain) and this thread's partial row sums of rows row0 and row1; the 4 threads of a group
    // hold different columns of the same rows, so sums are combined once at the end, maxima every tile.
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};

    for (int j = 0; j < num_key_tiles; ++j) {
        const int stage = j & 1;
        if (args.vector_loads) ptx::cp_async_wait_all();
        __syncthreads();  // tile j visible to all; everyone is done with the other stage (tile j - 1)
        if (j + 1 < num_key_tiles) {
            load_tile<D>(k_tiles[stage ^ 1], k_head, args.token_stride, (j + 1) * kN, seq.length, args.vector_loads);
            load_tile<D>(v_tiles[stage ^ 1], v_head, args.token_stride, (j + 1) * kN, seq.length, args.vector_loads);
        }

        float s[kN / 8][4];
        scores<D, T>(s, q_frag, k_tiles[stage], group, lane_in_group);
        scale_and_mask<kN>(s, args.scale_log2, seq.length - j * kN, lane_in_group);

        // Online softmax: new row max over the group's 4 threads, rescale what was accumulated, exponentiate.
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float tile_max = -INFINITY;
#pragma unroll
            for (int nt = 0; nt < kN / 8; ++nt) tile_max = fmaxf(tile_max, fmaxf(s[nt][2 * r], s[nt][2 * r + 1]));
            tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
            tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));
            // Every tile has at least one key inside the sequence, so m_new is finite; exp2(-inf) = 0 on the first.
            const float m_new = fmaxf(m[r], tile_max);
            const float correction = exp2f(m[r] - m_new);
            m[r] = m_new;
            float sum = 0.f;
#pragma unroll
            for (int nt = 0; nt < kN / 8; ++nt) {
                s[nt][2 * r] = exp2f(s[nt][2 * r] - m_new);
                s[nt][2 * r + 1] = exp2f(s[nt][2 * r + 1] - m_new);
                sum += s[nt][2 * r] + s[nt][2 * r + 1];
            }
            l[r] = l[r] * correction + sum;
#pragma unroll
            for (int dt = 0; dt < kPadD / 8; ++dt) {
                o[dt][2 * r] *= correction;
                o[dt][2 * r + 1] *= correction;
            }
        }

        // O += P V, 16 keys at a time: the accumulator layout of two adjacent 8-key score tiles is the A fragment
        // layout of one 16-key chunk, so P goes from registers to the tensor cores without shared memory.
        const T *v_tile = v_tiles[stage];
#pragma unroll
        for (int kc = 0; kc < kN / 16; ++kc) {
            const uint32_t p_frag[4] = {pack2<T>(s[2 * kc][0], s[2 * kc][1]), pack2<T>(s[2 * kc][2], s[2 * kc][3]),
                                        pack2<T>(s[2 * kc + 1][0], s[2 * kc + 1][1]),
                                        pack2<T>(s[2 * kc + 1][2], s[2 * kc + 1][3])};
            // ldmatrix x4: lanes 0-15 address keys kc*16 + 0..15 at columns dt*8, lanes 16-31 the same at dt*8 + 8.
            const T *v_row = v_tile + (kc * 16 + (lane % 16)) * Tile::kPitch + (lane / 16) * 8;
#pragma unroll
            for (int dt = 0; dt < kPadD / 8; dt += 2) {
                uint32_t b[4];
                ptx::ldmatrix_x4_trans(b, v_row + dt * 8);
                ptx::mma_m16n8k16(o[dt], p_frag, b[0], b[1], T{});
                ptx::mma_m16n8k16(o[dt + 1], p_frag, b[2], b[3], T{});
            }
        }
    }

#pragma unroll
    for (int r = 0; r < 2; ++r) {
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
    }

    // O / l, rounded once to T; padded columns are not stored.
    const int rows[2] = {row0, row1};
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        if (rows[r] >= seq.length) continue;
        const float inverse_l = 1.f / l[r];
        T *out_row = args.out + static_cast<int64_t>(seq.start + rows[r]) * args.out_row_stride + head * D;
#pragma unroll
        for (int dt = 0; dt < kPadD / 8; ++dt) {
            const int col = dt * 8 + 2 * lane_in_group;
            if (col < D) {
                out_row[col] = from_float<T>(o[dt][2 * r] * inverse_l);
                out_row[col + 1] = from_float<T>(o[dt][2 * r + 1] * inverse_l);
            }
        }
    }

    if (args.probs == nullptr) return;
    // Second pass: recompute the scores against the final m and l and write normalised probabilities. Only K is
    // needed; the tiles are loaded synchronously into stage 0 (this pass is off the hot path of plain inference).
    float *probs = args.probs + args.probs_offsets[blockIdx.z] +
                   static_cast<int64_t>(head) * seq.length * seq.length;
    const float inverse_l[2] = {1.f / l[0], 1.f / l[1]};
    for (int j = 0; j < num_key_tiles; ++j) {
        __syncthreads();  // everyone is done reading the previous tile
        load_tile<D>(k_tiles[0], k_head, args.token_stride, j * kN, seq.length, args.vector_loads);
        if (args.vector_loads) ptx::cp_async_wait_all();
        __syncthreads();
        float s[kN / 8][4];
        scores<D, T>(s, q_frag, k_tiles[0], group, lane_in_group);
        scale_and_mask<kN>(s, args.scale_log2, seq.length - j * kN, lane_in_group);
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            if (rows[r] >= seq.length) continue;
            float *probs_row = probs + static_cast<int64_t>(rows[r]) * seq.length + j * kN;
#pragma unroll
            for (int nt = 0; nt < kN / 8; ++nt) {
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    const int key = nt * 8 + 2 * lane_in_group + e;
                    if (j * kN + key < seq.length) probs_row[key] = exp2f(s[nt][2 * r + e] - m[r]) * inverse_l[r];
                }
            }
        }
    }
}

// --- CUDA-core kernel (fp32) -----------------------------------------------------------------------------------------

constexpr int kF32Threads = 128;
constexpr int kF32ThreadsPerRow = 4;
constexpr int kF32BlockM = kF32Threads / kF32ThreadsPerRow;
constexpr int kF32BlockN = 32;
constexpr int kF32Chunk = 8;

template <int D>
__global__ void __launch_bounds__(kF32Threads) attention_f32_kernel(Args<float> args) {
    static_assert(D % kF32ThreadsPerRow == 0, "each of a row's threads owns D / 4 channels");
    constexpr int kOwned = D / kF32ThreadsPerRow;
    const SequenceSpan seq = sequence_span(args.cu_seqlens);
    const int query_tile_start = blockIdx.x * kF32BlockM;
    if (query_tile_start >= seq.length) return;
    const int head = blockIdx.y;

    __shared__ float k_tile[kF32BlockN * D];
    __shared__ float v_tile[kF32BlockN * D];

    // Thread `part` of a row owns channels part, part + 4, ...: the 4 threads of a row read 4 consecutive words and
    // all rows of a warp read the same key, so shared loads are conflict-free broadcasts.
    const int row = query_tile_start + threadIdx.x / kF32ThreadsPerRow, part = threadIdx.x % kF32ThreadsPerRow;
    const bool row_inside = row < seq.length;
    const int64_t head_offset = static_cast<int64_t>(head) * args.head_stride;
    const float *k_head = args.k + static_cast<int64_t>(seq.start) * args.token_stride + head_offset;
    const float *v_head = args.v + static_cast<int64_t>(seq.start) * args.token_stride + head_offset;

    float q[kOwned], o[kOwned];
#pragma unroll
    for (int i = 0; i < kOwned; ++i) {
        q[i] = row_inside ? args.q[static_cast<int64_t>(seq.start + row) * args.token_stride + head_offset +
                                   i * kF32ThreadsPerRow + part]
                          : 0.f;
        o[i] = 0.f;
    }
    float m = -INFINITY, l = 0.f;

    auto load = [&](float *tile, const float *head_base, int first) {
        for (int e = threadIdx.x; e < kF32BlockN * D; e += kF32Threads) {
            const int r = e / D, c = e % D;
            tile[e] = first + r < seq.length ? head_base[static_cast<int64_t>(first + r) * args.token_stride + c] : 0.f;
        }
    };
    // Scores of this row against keys [first, first + kF32Chunk) of the shared K tile, in the exp2 domain, -inf past
    // the sequence end. Chunks of 8 keys keep the scores in registers without unrolling whole tiles: full unrolling
    // made this kernel dominate the library's compile time for little gain on a path that is not the fast one.
    auto chunk_scores = [&](float (&s)[kF32Chunk], int tile_first, int chunk_first) {
#pragma unroll
        for (int c = 0; c < kF32Chunk; ++c) {
            const float *k_row = k_tile + (chunk_first + c) * D;
            float dot = 0.f;
#pragma unroll
            for (int i = 0; i < kOwned; ++i) dot += q[i] * k_row[i * kF32ThreadsPerRow + part];
            dot += __shfl_xor_sync(0xffffffffu, dot, 1);
            dot += __shfl_xor_sync(0xffffffffu, dot, 2);
            s[c] = tile_first + chunk_first + c < seq.length ? dot * args.scale_log2 : -INFINITY;
        }
    };

    const int num_key_tiles = (seq.length + kF32BlockN - 1) / kF32BlockN;
    for (int j = 0; j < num_key_tiles; ++j) {
        __syncthreads();
        load(k_tile, k_head, j * kF32BlockN);
        load(v_tile, v_head, j * kF32BlockN);
        __syncthreads();
#pragma unroll 1
        for (int chunk = 0; chunk < kF32BlockN; chunk += kF32Chunk) {
            float s[kF32Chunk];
            chunk_scores(s, j * kF32BlockN, chunk);
            float chunk_max = -INFINITY;
#pragma unroll
            for (int c = 0; c < kF32Chunk; ++c) chunk_max = fmaxf(chunk_max, s[c]);
            // A chunk past the sequence end is all -inf: keep m and skip it (exp2(-inf - -inf) would be NaN).
            if (chunk_max == -INFINITY) continue;
            const float m_new = fmaxf(m, chunk_max);
            const float correction = exp2f(m - m_new);
            m = m_new;
            l *= correction;
#pragma unroll
            for (int i = 0; i < kOwned; ++i) o[i] *= correction;
#pragma unroll
            for (int c = 0; c < kF32Chunk; ++c) {
                const float p = exp2f(s[c] - m_new);
                l += p;
                const float *v_row = v_tile + (chunk + c) * D;
#pragma unroll
                for (int i = 0; i < kOwned; ++i) o[i] += p * v_row[i * kF32ThreadsPerRow + part];
            }
        }
    }

    if (row_inside) {
        const float inverse_l = 1.f / l;
        float *out_row = args.out + static_cast<int64_t>(seq.start + row) * args.out_row_stride + head * D;
#pragma unroll
        for (int i = 0; i < kOwned; ++i) out_row[i * kF32ThreadsPerRow + part] = o[i] * inverse_l;
    }

    if (args.probs == nullptr) return;
    // Second pass against the final m and l, as in the tensor-core kernel; the 4 threads of a row split the stores.
    float *probs_row = args.probs + args.probs_offsets[blockIdx.z] +
                       (static_cast<int64_t>(head) * seq.length + row) * seq.length;
    const float inverse_l = 1.f / l;
    for (int j = 0; j < num_key_tiles; ++j) {
        __syncthreads();
        load(k_tile, k_head, j * kF32BlockN);
        __syncthreads();
#pragma unroll 1
        for (int chunk = 0; chunk < kF32BlockN; chunk += kF32Chunk) {
            float s[kF32Chunk];
            chunk_scores(s, j * kF32BlockN, chunk);
#pragma unroll
            for (int c = 0; c < kF32Chunk; ++c) {
                // A constant index keeps s in registers; the 4 threads of the row take every 4th key.
                const int key = j * kF32BlockN + chunk + c;
                if (row_inside && c % kF32ThreadsPerRow == part && key < seq.length) {
                    probs_row[key] = exp2f(s[c] - m) * inverse_l;
                }
            }
        }
    }
}

// --- launch ------------------------------------------------------------------------------------------------------

template <typename T>
Args<T> make_args(const esm2j_attention_params &p) {
    Args<T> a;
    a.q = static_cast<const T *>(p.q);
    a.k = static_cast<const T *>(p.k);
    a.v = static_cast<const T *>(p.v);
    a.out = static_cast<T *>(p.out);
    a.probs = p.probs;
    a.probs_offsets = p.probs_offsets;
    a.cu_seqlens = p.cu_seqlens;
    a.token_stride = p.token_stride;
    a.head_stride = p.head_stride;
    a.out_row_stride = p.out_row_stride;
    a.scale_log2 = p.scale * kLog2e;
    auto aligned16 = [](const void *ptr) { return reinterpret_cast<uintptr_t>(ptr) % 16 == 0; };
    const int64_t elements_per_16_bytes = 16 / static_cast<int64_t>(sizeof(T));
    // Only K and V go through cp.async; q is read with 2-byte loads and needs no more than its element alignment.
    a.vector_loads = aligned16(p.k) && aligned16(p.v) &&
                     p.token_stride % elements_per_16_bytes == 0 && p.head_stride % elements_per_16_bytes == 0;
    return a;
}

// Enqueues the kernel of head_dim D for p.dtype; the caller has validated p and checks the launch.
template <int D>
void attention_forward(const esm2j_attention_params &p) {
    with_dtype(p.dtype, [&](auto element) {
        using T = decltype(element);
        const unsigned heads = static_cast<unsigned>(p.heads), seqs = static_cast<unsigned>(p.num_seqs);
        if constexpr (std::is_same_v<T, float>) {
            const dim3 grid(static_cast<unsigned>(ceil_div(p.max_seqlen, kF32BlockM)), heads, seqs);
            launch_kernel(attention_f32_kernel<D>, grid, kF32Threads, 0, p.stream, make_args<float>(p));
        } else {
            const dim3 grid(static_cast<unsigned>(ceil_div(p.max_seqlen, kMmaBlockM)), heads, seqs);
            launch_kernel(attention_mma_kernel<D, T>, grid, 32 * kMmaWarps, 0, p.stream, make_args<T>(p));
        }
    });
}

}  // namespace attention
}  // namespace esm2j
