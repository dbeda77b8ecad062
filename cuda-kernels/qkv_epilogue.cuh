// QKV epilogue: bias, q scaling and the half-split rotary embedding fused into one pass over the fused projection
// output, writing q, k, v in (token, head, head_dim) layout for attention. One block per token; each thread owns
// rotation pairs (h, j), j < head_dim/2, so both halves of a pair are read and written by the same thread.
#pragma once

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kQkvThreads = 128;

template <typename TIn, typename TOut>
__global__ void __launch_bounds__(kQkvThreads)
qkv_epilogue_forward_kernel(const TIn *__restrict__ qkv, const float *__restrict__ bias,
                            const float *__restrict__ inv_freq, const int32_t *__restrict__ cu_seqlens, TOut *q,
                            TOut *k, TOut *v, int num_seqs, int heads, int head_dim, int64_t qkv_row_stride,
                            int64_t out_token_stride, int64_t out_head_stride, float q_scale) {
    const int64_t token = blockIdx.x;
    const int position = static_cast<int>(token - cu_seqlens[sequence_of(cu_seqlens, num_seqs, token)]);
    const int half = head_dim / 2;
    const int model_dim = heads * head_dim;
    const TIn *row = qkv + token * qkv_row_stride;

    for (int pair = threadIdx.x; pair < heads * half; pair += blockDim.x) {
        const int h = pair / half;
        const int j = pair % half;
        const int c0 = h * head_dim + j;  // channel of the first half within each of q, k, v
        const int c1 = c0 + half;
        // theta in fp32 as PyTorch forms it (position times inv_freq); accurate sincosf, since theta reaches ~1e3 rad.
        float sin_t, cos_t;
        sincosf(static_cast<float>(position) * inv_freq[j], &sin_t, &cos_t);

        auto load = [&](int c) { return to_float(row[c]) + (bias != nullptr ? bias[c] : 0.f); };
        const int64_t out0 = token * out_token_stride + h * out_head_stride + j;
        const int64_t out1 = out0 + half;

        const float q0 = load(c0) * q_scale, q1 = load(c1) * q_scale;  // scaled before the rotation, as fair-esm does
        q[out0] = from_float<TOut>(q0 * cos_t - q1 * sin_t);
        q[out1] = from_float<TOut>(q1 * cos_t + q0 * sin_t);

        const float k0 = load(model_dim + c0), k1 = load(model_dim + c1);
        k[out0] = from_float<TOut>(k0 * cos_t - k1 * sin_t);
        k[out1] = from_float<TOut>(k1 * cos_t + k0 * sin_t);

        v[out0] = from_float<TOut>(load(2 * model_dim + c0));
        v[out1] = from_float<TOut>(load(2 * model_dim + c1));
    }
}

template <typename TIn, typename TOut>
void qkv_epilogue_forward(const esm2j_qkv_epilogue_params &p) {
    launch_kernel(qkv_epilogue_forward_kernel<TIn, TOut>, static_cast<unsigned>(p.total_tokens), kQkvThreads, 0,
        p.stream, static_cast<const TIn *>(p.qkv), p.bias, p.inv_freq, p.cu_seqlens, static_cast<TOut *>(p.q),
        static_cast<TOut *>(p.k), static_cast<TOut *>(p.v), static_cast<int>(p.num_seqs), static_cast<int>(p.heads),
        static_cast<int>(p.head_dim), p.qkv_row_stride, p.out_token_stride, p.out_head_stride, p.q_scale);
}

}  // namespace esm2j
