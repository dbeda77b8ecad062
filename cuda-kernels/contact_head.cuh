// fair-esm's ContactPredictionHead, one layer at a time (see esm2j_contact_head_params in esm2j_cuda.h for the math).
// For sequence s (T tokens, n = T - 2 residues) and head h of the layer, with P = that head's (T, T) probabilities:
//   S[i, j] = (P[i+1, j+1] + P[j+1, i+1]) keep_i keep_j,  a_i = sum_j S[i, j],  a = sum_i a_i,
//   logits[i, j] (+)= sum_h w_h (S[i, j] - (a_i / a) a_j)
// in three kernels per layer:
//   1 contact_row_sums_kernel   a_i = keep_i (sum_j keep_j P[i+1, j+1] + sum_j keep_j P[j+1, i+1]); the first sum is a
//                               warp per row (coalesced, tree reduction), the second a column sum with one thread per
//                               column and 16 row phases (coalesced) combined by a tree in shared memory.
//   2 contact_totals_kernel     a = sum_i a_i, a block tree reduction over the row sums; stored in the workspace slot
//                               of position n, which row sums never use (they cover positions 0..n-1 of T).
//   3 contact_apc_kernel        32 x 32 output tiles; each head's P tile and its transposed mirror tile are staged
//                               through shared memory so both reads are coalesced; the heads are summed in registers
//                               and the tile is written (or added) once.
// Workspace: row_sum_workspace[h * total_tokens + cu_seqlens[s] + i] holds a_i of head h, and at i = n the total a.
// All sums are fp32 in a fixed order, so results are deterministic; no atomics.
// Sequences with fewer than 3 tokens have no residues and are skipped by every kernel.
#pragma once

#include <math.h>

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kContactTile = 32;          // residues per tile side; blockDim.x of every kernel here
constexpr int kContactRowSumWarps = 16;   // row phases of the column sums in kernel 1
constexpr int kContactApcRows = 8;        // blockDim.y of kernel 3: each thread covers 32 / 8 = 4 tile rows
constexpr int kContactTotalThreads = 256;

// Whether residue i (token i + 1 of the sequence) counts; fair-esm zeroes the rows and columns of <eos> tokens.
__device__ __forceinline__ float contact_keep(const int32_t *seq_tokens, int i, int eos_token) {
    return seq_tokens[i + 1] == eos_token ? 0.f : 1.f;
}

// --- 1: row sums a_i -------------------------------------------------------------------------------------------
// grid (ceil((max_seqlen - 2) / 32), heads, num_seqs), block (32, 16). Two resident blocks per SM as the register
// budget: without it ptxas aims at four on sm_90a, keeps 32 registers and spills.
__global__ void __launch_bounds__(kContactTile * kContactRowSumWarps, 2)
contact_row_sums_kernel(const float *__restrict__ probs, const int64_t *__restrict__ probs_offsets,
                        const int32_t *__restrict__ cu_seqlens, const int32_t *__restrict__ tokens,
                        float *__restrict__ row_sums, int64_t total_tokens, int eos_token) {
    const int s = blockIdx.z, h = blockIdx.y;
    const int start = cu_seqlens[s];
    const int t = cu_seqlens[s + 1] - start;
    const int n = t - 2;
    const int i0 = blockIdx.x * kContactTile;
    if (n < 1 || i0 >= n) return;
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int32_t *seq_tokens = tokens + start;
    const float *p = probs + probs_offsets[s] + static_cast<int64_t>(h) * t * t;

    __shared__ float column_part[kContactRowSumWarps][kContactTile];
    __shared__ float row_part[kContactTile];

    // Column sums: thread (tx, ty) adds rows ty, ty + 16, ... of column i0 + tx; a warp reads 32 adjacent floats.
    const int column = i0 + tx;
    float c = 0.f;
    if (column < n) {
        for (int r = ty; r < n; r += kContactRowSumWarps) {
            c += contact_keep(seq_tokens, r, eos_token) * p[static_cast<int64_t>(r + 1) * t + column + 1];
        }
    }
    column_part[ty][tx] = c;

    // Row sums: warp ty takes rows i0 + ty and i0 + ty + 16 of the tile.
#pragma unroll
    for (int r = ty; r < kContactTile; r += kContactRowSumWarps) {
        const int row = i0 + r;
        float sum = 0.f;
        if (row < n) {  // uniform across the warp
            const float *pr = p + static_cast<int64_t>(row + 1) * t + 1;
            for (int j = tx; j < n; j += kContactTile) sum += contact_keep(seq_tokens, j, eos_token) * pr[j];
        }
        sum = warp_sum(sum);
        if (tx == 0) row_part[r] = sum;
    }
    __syncthreads();

    // Tree over the 16 row phases of each column.
    for (int half = kContactRowSumWarps / 2; half > 0; half >>= 1) {
        if (ty < half) column_part[ty][tx] += column_part[ty + half][tx];
        __syncthreads();
    }
    if (ty == 0 && column < n) {
        row_sums[h * total_tokens + start + column] =
            contact_keep(seq_tokens, column, eos_token) * (row_part[tx] + column_part[0][tx]);
    }
}

// --- 2: totals a --------------------------------------------------------------------------------------------------
// grid (heads, num_seqs), block 256.
__global__ void __launch_bounds__(kContactTotalThreads)
contact_totals_kernel(const int32_t *__restrict__ cu_seqlens, float *__restrict__ row_sums, int64_t total_tokens) {
    const int s = blockIdx.y, h = blockIdx.x;
    const int start = cu_seqlens[s];
    const int n = cu_seqlens[s + 1] - start - 2;
    if (n < 1) return;
    float *a = row_sums + h * total_tokens + start;

    float sum = 0.f;
    for (int i = threadIdx.x; i < n; i += kContactTotalThreads) sum += a[i];
    sum = warp_sum(sum);
    __shared__ float warp_sums[kContactTotalThreads / 32];
    if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = sum;
    __syncthreads();
    if (threadIdx.x < 32) {
        float total = threadIdx.x < kContactTotalThreads / 32 ? warp_sums[threadIdx.x] : 0.f;
        total = warp_sum(total);
        if (threadIdx.x == 0) a[n] = total;
    }
}

// --- 3: APC and the weighted sum over this layer's heads ----------------------------------------------------------
// grid (ceil(n_max / 32), ceil(n_max / 32), num_seqs), block (32, 8): x tiles columns j, y tiles rows i.
__global__ void __launch_bounds__(kContactTile * kContactApcRows)
contact_apc_kernel(const float *__restrict__ probs, const int64_t *__restrict__ probs_offsets,
                   const int32_t *__restrict__ cu_seqlens, const int32_t *__restrict__ tokens,
                   const float *__restrict__ weight, float *__restrict__ logits,
                   const int64_t *__restrict__ contact_offsets, const float *__restrict__ row_sums,
                   int64_t total_tokens, int heads, int eos_token, int accumulate) {
    constexpr int kRowsPerThread = kContactTile / kContactApcRows;
    const int s = blockIdx.z;
    const int start = cu_seqlens[s];
    const int t = cu_seqlens[s + 1] - start;
    const int n = t - 2;
    const int i0 = blockIdx.y * kContactTile, j0 = blockIdx.x * kContactTile;
    if (n < 1 || i0 >= n || j0 >= n) return;
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int32_t *seq_tokens = tokens + start;
    const float *p_seq = probs + probs_offsets[s];

    // direct[r][c] = P[i0 + r + 1, j0 + c + 1]; mirror[r][c] = P[j0 + r + 1, i0 + c + 1]; +1 column against bank
    // conflicts on the transposed read.
    __shared__ float direct[kContactTile][kContactTile + 1];
    __shared__ float mirror[kContactTile][kContactTile + 1];

    const int j = j0 + tx;
    const float keep_j = j < n ? contact_keep(seq_tokens, j, eos_token) : 0.f;
    float keep_i[kRowsPerThread];
#pragma unroll
    for (int k = 0; k < kRowsPerThread; ++k) {
        const int i = i0 + ty + kContactApcRows * k;
        keep_i[k] = i < n ? contact_keep(seq_tokens, i, eos_token) : 0.f;
    }

    float acc[kRowsPerThread] = {};
    for (int h = 0; h < heads; ++h) {
        const float *p = p_seq + static_cast<int64_t>(h) * t * t;
#pragma unroll
        for (int k = 0; k < kRowsPerThread; ++k) {
            const int r = ty + kContactApcRows * k;
            direct[r][tx] = (i0 + r < n && j < n) ? p[static_cast<int64_t>(i0 + r + 1) * t + j + 1] : 0.f;
            mirror[r][tx] = (j0 + r < n && i0 + tx < n) ? p[static_cast<int64_t>(j0 + r + 1) * t + i0 + tx + 1] : 0.f;
        }
        __syncthreads();
        const float *a = row_sums + h * total_tokens + start;
        const float total = a[n];
        const float a_j = j < n ? a[j] : 0.f;
        const float w = weight[h];
#pragma unroll
        for (int k = 0; k < kRowsPerThread; ++k) {
            const int r = ty + kContactApcRows * k;
            const int i = i0 + r;
            if (i < n && j < n) {
                const float sym = (direct[r][tx] + mirror[tx][r]) * keep_i[k] * keep_j;
                acc[k] += w * (sym - (a[i] / total) * a_j);
            }
        }
        __syncthreads();  // the next head overwrites the tiles
    }

    if (j >= n) return;
    float *out = logits + contact_offsets[s];
#pragma unroll
    for (int k = 0; k < kRowsPerThread; ++k) {
        const int i = i0 + ty + kContactApcRows * k;
        if (i < n) {
            const int64_t index = static_cast<int64_t>(i) * n + j;
            out[index] = accumulate ? out[index] + acc[k] : acc[k];
        }
    }
}

// --- finish: sigmoid(logits + bias) ----------------------------------------------------------------------------------
__global__ void contact_finish_kernel(float *logits, int64_t count, float bias) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        logits[i] = 1.f / (1.f + expf(-(logits[i] + bias)));
    }
}

// --- host side: one function per launch, so that callers can check each launch by name -------------------------
// Tiles per side of the largest sequence's (n, n) map; 0 when no sequence has residues.
inline int64_t contact_tiles(int64_t max_seqlen) {
    return max_seqlen > 2 ? ceil_div(max_seqlen - 2, kContactTile) : 0;
}

inline void contact_row_sums(const esm2j_contact_head_params &p) {
    const dim3 grid(static_cast<unsigned>(contact_tiles(p.max_seqlen)), static_cast<unsigned>(p.heads),
                    static_cast<unsigned>(p.num_seqs));
    launch_kernel(contact_row_sums_kernel, grid, dim3(kContactTile, kContactRowSumWarps), 0, p.stream,
        p.probs, p.probs_offsets, p.cu_seqlens, p.tokens, p.row_sum_workspace, p.total_tokens, p.eos_token);
}

inline void contact_totals(const esm2j_contact_head_params &p) {
    const dim3 grid(static_cast<unsigned>(p.heads), static_cast<unsigned>(p.num_seqs));
    launch_kernel(contact_totals_kernel, grid, kContactTotalThreads, 0, p.stream, p.cu_seqlens, p.row_sum_workspace,
                  p.total_tokens);
}

inline void contact_apc(const esm2j_contact_head_params &p) {
    const unsigned tiles = static_cast<unsigned>(contact_tiles(p.max_seqlen));
    const dim3 grid(tiles, tiles, static_cast<unsigned>(p.num_seqs));
    launch_kernel(contact_apc_kernel, grid, dim3(kContactTile, kContactApcRows), 0, p.stream,
        p.probs, p.probs_offsets, p.cu_seqlens, p.tokens, p.weight, p.logits, p.contact_offsets,
        p.row_sum_workspace, p.total_tokens, static_cast<int>(p.heads), p.eos_token, p.accumulate);
}

// count must be positive. Enough blocks to fill any current GPU; the grid-stride loop covers the rest.
inline void contact_finish(const esm2j_contact_head_finish_params &p) {
    constexpr int kThreads = 256;
    constexpr int64_t kMaxBlocks = 4096;
    const int64_t blocks = ceil_div(p.count, kThreads);
    launch_kernel(contact_finish_kernel, static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks), kThreads, 0,
                  p.stream, p.logits, p.count, p.bias);
}

}  // namespace esm2j
