// Kernel lab: token embedding with ESM-2's token dropout over a packed batch: x[t] = E[tokens[t]] * keep_scale /
// (1 - n_mask(s) / n_nonpad(s)) for token t of sequence s; mask and pad rows zero, ids outside the vocabulary NaN.
// Versions:
//   1  two kernels: one block per sequence counts its masks and non-pad tokens into a divisor, then one block per
//      token gathers and scales its row -- production, embedding.cuh
//   2  one kernel: each token's block recounts its whole sequence before gathering (no divisor workspace, but every
//      sequence is read once per token). For comparison only.
// Correctness: both versions, all nine (table, out) dtype pairs of f32, f16, bf16, against an fp64 CPU reference of
// the same rounded table, over awkward packed batches: a single token; lengths 97, 1, 1025 and a fully masked
// sequence of 2 and a <cls> <mask> in one batch; pad tokens (zero, not counted) and ids -1, 33, 1000 (NaN rows) inside sequences;
// widths 1, 33, 320, 1280, 5120; padded table and output row strides (the output's padding must stay untouched);
// token dropout off (mask id pointed at <pad>, keep_scale 1, as CudaRuntime does then). Tolerance
// 1e-6 + |ref| * (eps(out dtype) + 16 FLT_EPSILON): the fp32 divisor 1 - m/n loses up to m/(n-m) ulp to cancellation.
// Timing: CUDA events with an L2 flush; GB/s = (token ids read twice, rows written, table read once) / time against
// the DRAM roofline, at 64 x 512 tokens with 12% masks for the widths of esm2_t6_8M (320), t33_650M (1280) and
// t36_3B (2560).
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build --target lab_embedding
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/embedding.cu -o lab_embedding
// Run on a GPU: ./lab_embedding   (validation, then timing; exit status 1 on any mismatch)
#include <cfloat>
#include <cstdint>

#include "../embedding.cuh"
#include "common.h"
#include "embedding_validation.h"

namespace {

using namespace embedding_lab;

// --- version 2: one kernel, each token recounts its sequence --------------------------------------------------------

template <typename TTable, typename TOut>
__global__ void __launch_bounds__(esm2j::kEmbeddingThreads)
embedding_recount_kernel(const int32_t *__restrict__ tokens, const int32_t *__restrict__ cu_seqlens,
                         const TTable *__restrict__ table, TOut *out, int num_seqs, int vocab, int dim,
                         int64_t table_row_stride, int64_t out_row_stride, int32_t mask_token, int32_t pad_token,
                         float keep_scale) {
    const int64_t t = blockIdx.x;
    const int32_t token = tokens[t];
    TOut *row = out + t * out_row_stride;
    // token is the same for the whole block, so this return never splits a block before the barriers below.
    if (token == mask_token || token == pad_token || token < 0 || token >= vocab) {
        const float fill = (token < 0 || token >= vocab) ? __int_as_float(0x7fc00000) : 0.f;
        for (int c = threadIdx.x; c < dim; c += blockDim.x) row[c] = esm2j::from_float<TOut>(fill);
        return;
    }
    const int s = esm2j::sequence_of(cu_seqlens, num_seqs, t);
    int masks = 0, nonpad = 0;
    for (int i = cu_seqlens[s] + threadIdx.x; i < cu_seqlens[s + 1]; i += blockDim.x) {
        masks += tokens[i] == mask_token;
        nonpad += tokens[i] != pad_token;
    }
    __shared__ int block_masks, block_nonpad;
    if (threadIdx.x == 0) block_masks = block_nonpad = 0;
    __syncthreads();
    atomicAdd(&block_masks, masks);
    atomicAdd(&block_nonpad, nonpad);
    __syncthreads();
    const float d = 1.f - static_cast<float>(block_masks) / static_cast<float>(block_nonpad);
    const TTable *e = table + static_cast<int64_t>(token) * table_row_stride;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        row[c] = esm2j::from_float<TOut>(esm2j::to_float(e[c]) * keep_scale / d);
    }
}

template <typename TTable, typename TOut>
void launch(int version, const esm2j_embedding_params &p) {
    if (version == 1) {
        esm2j::token_dropout_divisor(p);
        esm2j::embedding_gather<TTable, TOut>(p);
        return;
    }
    esm2j::launch_kernel(embedding_recount_kernel<TTable, TOut>, static_cast<unsigned>(p.total_tokens),
                         esm2j::kEmbeddingThreads, 0, p.stream,
        p.tokens, p.cu_seqlens, static_cast<const TTable *>(p.table), static_cast<TOut *>(p.out),
        static_cast<int>(p.num_seqs), static_cast<int>(p.vocab), static_cast<int>(p.dim), p.table_row_stride,
        p.out_row_stride, p.mask_token, p.pad_token, p.keep_scale);
}

template <typename TTable, typename TOut>
bool run(const Case &k, bool time_it) {
    return embedding_lab::run<TTable, TOut>(k, time_it, {1, 2}, launch<TTable, TOut>);
}

template <typename TTable>
bool run_every_out_dtype(const std::vector<Case> &cases) {
    bool ok = true;
    for (const Case &k : cases) {
        ok &= run<TTable, float>(k, false);
        ok &= run<TTable, __half>(k, false);
        ok &= run<TTable, __nv_bfloat16>(k, false);
    }
    return ok;
}

}  // namespace

int main() {
    const std::vector<Case> cases = awkward_cases({1, 33, 320, 1280, 5120}, 1025);
    bool ok = run_every_out_dtype<float>(cases);
    ok &= run_every_out_dtype<__half>(cases);
    ok &= run_every_out_dtype<__nv_bfloat16>(cases);
    // 64 sequences of 512 tokens: the runtime's fp32 table into the fp32 residual stream, and bf16 throughout.
    std::mt19937 rng(11);
    for (int dim : {320, 1280, 2560}) {
        Case batch;
        for (int s = 0; s < 64; ++s) batch.sequences.push_back(random_sequence(512, 0.12, rng));
        batch.dim = dim;
        ok &= run<float, float>(batch, true);
        ok &= run<__nv_bfloat16, __nv_bfloat16>(batch, true);
    }
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
