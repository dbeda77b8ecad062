// Token embedding with ESM-2's token dropout (applied in inference too). Two kernels: one block per sequence counts
// its mask and non-pad tokens into the per-sequence divisor, then one block per token gathers and scales its row.
// Counting inside the gather instead would re-read a whole sequence per token.
#pragma once

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kEmbeddingThreads = 128;

// divisor[s] = 1 - n_mask / n_nonpad, formed in fp32 like PyTorch's (mask count as float) / (length as int64).
__global__ void __launch_bounds__(kEmbeddingThreads)
token_dropout_divisor_kernel(const int32_t *__restrict__ tokens, const int32_t *__restrict__ cu_seqlens,
                             float *divisor, int32_t mask_token, int32_t pad_token) {
    const int s = blockIdx.x;
    int masks = 0, nonpad = 0;
    for (int t = cu_seqlens[s] + threadIdx.x; t < cu_seqlens[s + 1]; t += blockDim.x) {
        masks += tokens[t] == mask_token;
        nonpad += tokens[t] != pad_token;
    }
    __shared__ int block_masks, block_nonpad;
    if (threadIdx.x == 0) block_masks = block_nonpad = 0;
    __syncthreads();
    atomicAdd(&block_masks, masks);
    atomicAdd(&block_nonpad, nonpad);
    __syncthreads();
    if (threadIdx.x == 0) {
        divisor[s] = 1.f - static_cast<float>(block_masks) / static_cast<float>(block_nonpad);
    }
}

template <typename TTable, typename TOut>
__global__ void __launch_bounds__(kEmbeddingThreads)
embedding_gather_kernel(const int32_t *__restrict__ tokens, const int32_t *__restrict__ cu_seqlens,
                        const TTable *__restrict__ table, TOut *out, const float *__restrict__ divisor, int num_seqs,
                        int vocab, int dim, int64_t table_row_stride, int64_t out_row_stride, int32_t mask_token,
                        int32_t pad_token, float keep_scale) {
    const int64_t t = blockIdx.x;
    const int32_t token = tokens[t];
    TOut *row = out + t * out_row_stride;
    if (token == mask_token || token == pad_token || token < 0 || token >= vocab) {
        // Mask and pad rows are zero; an id outside the vocabulary is poisoned rather than read out of bounds.
        const float fill = (token < 0 || token >= vocab) ? __int_as_float(0x7fc00000) : 0.f;
        for (int c = threadIdx.x; c < dim; c += blockDim.x) row[c] = from_float<TOut>(fill);
        return;
    }
    const float d = divisor[sequence_of(cu_seqlens, num_seqs, t)];
    const TTable *e = table + static_cast<int64_t>(token) * table_row_stride;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        row[c] = from_float<TOut>(to_float(e[c]) * keep_scale / d);
    }
}

inline void token_dropout_divisor(const esm2j_embedding_params &p) {
    launch_kernel(token_dropout_divisor_kernel, static_cast<unsigned>(p.num_seqs), kEmbeddingThreads, 0, p.stream,
        p.tokens, p.cu_seqlens, p.seq_divisor_workspace, p.mask_token, p.pad_token);
}

template <typename TTable, typename TOut>
void embedding_gather(const esm2j_embedding_params &p) {
    launch_kernel(embedding_gather_kernel<TTable, TOut>, static_cast<unsigned>(p.total_tokens), kEmbeddingThreads, 0,
        p.stream, p.tokens, p.cu_seqlens, static_cast<const TTable *>(p.table), static_cast<TOut *>(p.out),
        p.seq_divisor_workspace, static_cast<int>(p.num_seqs), static_cast<int>(p.vocab), static_cast<int>(p.dim),
        p.table_row_stride, p.out_row_stride, p.mask_token, p.pad_token, p.keep_scale);
}

}  // namespace esm2j
