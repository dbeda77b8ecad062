// The contact_head lab's validation (dev/contact_head.cu), shared with the emulator tests (../emu/tests): version 1
// (naive kernels, the noise floor), packed batches framed <cls> ... <eos>, random per-row softmax probabilities, the
// fp64 reference (ContactHead.java's arithmetic) and the checks; v2 runs through caller-supplied functions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "../common.cuh"
#include "common.h"

namespace contact_lab {

constexpr int kEos = 2;

// --- version 1: naive -------------------------------------------------------------------------------------------
__global__ void naive_row_sums_kernel(const float *probs, const int64_t *probs_offsets, const int32_t *cu_seqlens,
                                      const int32_t *tokens, float *row_sums, int num_seqs, int heads,
                                      int64_t total_tokens) {
    const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= total_tokens * heads) return;
    const int h = static_cast<int>(index / total_tokens);
    const int token = static_cast<int>(index % total_tokens);
    const int s = esm2j::sequence_of(cu_seqlens, num_seqs, token);
    const int start = cu_seqlens[s], t = cu_seqlens[s + 1] - start, n = t - 2, i = token - start;
    if (i >= n) return;
    const float *p = probs + probs_offsets[s] + static_cast<int64_t>(h) * t * t;
    const int32_t *seq = tokens + start;
    float sum = 0.f;
    for (int j = 0; j < n; ++j) {
        const float keep = (seq[i + 1] == kEos || seq[j + 1] == kEos) ? 0.f : 1.f;
        sum += (p[static_cast<int64_t>(i + 1) * t + j + 1] + p[static_cast<int64_t>(j + 1) * t + i + 1]) * keep;
    }
    row_sums[h * total_tokens + token] = sum;
}

__global__ void naive_totals_kernel(const int32_t *cu_seqlens, float *row_sums, int num_seqs, int heads,
                                    int64_t total_tokens) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= num_seqs * heads) return;
    const int h = index / num_seqs, s = index % num_seqs;
    const int start = cu_seqlens[s], n = cu_seqlens[s + 1] - start - 2;
    if (n < 1) return;
    float *a = row_sums + h * total_tokens + start;
    float total = 0.f;
    for (int i = 0; i < n; ++i) total += a[i];
    a[n] = total;
}

// One thread per (sequence, i, j) of the largest map.
__global__ void naive_apc_kernel(const float *probs, const int64_t *probs_offsets, const int32_t *cu_seqlens,
                                 const int32_t *tokens, const float *weight, float *logits,
                                 const int64_t *contact_offsets, const float *row_sums, int heads,
                                 int64_t total_tokens, int max_n, int accumulate) {
    const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    const int s = blockIdx.y;
    const int start = cu_seqlens[s], t = cu_seqlens[s + 1] - start, n = t - 2;
    if (index >= static_cast<int64_t>(max_n) * max_n) return;
    const int i = static_cast<int>(index / max_n), j = static_cast<int>(index % max_n);
    if (i >= n || j >= n) return;
    const int32_t *seq = tokens + start;
    const float keep = (seq[i + 1] == kEos || seq[j + 1] == kEos) ? 0.f : 1.f;
    float acc = 0.f;
    for (int h = 0; h < heads; ++h) {
        const float *p = probs + probs_offsets[s] + static_cast<int64_t>(h) * t * t;
        const float *a = row_sums + h * total_tokens + start;
        const float sym =
            (p[static_cast<int64_t>(i + 1) * t + j + 1] + p[static_cast<int64_t>(j + 1) * t + i + 1]) * keep;
        acc += weight[h] * (sym - (a[i] / a[n]) * a[j]);
    }
    float &out = logits[contact_offsets[s] + static_cast<int64_t>(i) * n + j];
    out = accumulate ? out + acc : acc;
}

// --- batches -------------------------------------------------------------------------------------------------------
struct Batch {
    std::vector<int> lengths;
    std::vector<int32_t> tokens, cu_seqlens;
    std::vector<int64_t> probs_offsets, contact_offsets;
    int64_t probs_per_layer = 0, contacts = 0;
    int max_seqlen = 0, heads = 0;
};

// Sequences framed <cls> ... <eos>; eos_inside[s] > 0 puts an extra <eos> at that position.
inline Batch make_batch(const std::vector<int> &lengths, const std::vector<int> &eos_inside, int heads) {
    Batch b;
    b.lengths = lengths;
    b.heads = heads;
    std::mt19937 rng(11);
    b.cu_seqlens.push_back(0);
    for (size_t s = 0; s < lengths.size(); ++s) {
        const int t = lengths[s], n = std::max(t - 2, 0);
        for (int p = 0; p < t; ++p) {
            int32_t id = 4 + static_cast<int32_t>(rng() % 20);
            if (p == 0) id = 0;
            if (p == t - 1 || p == eos_inside[s]) id = kEos;
            b.tokens.push_back(id);
        }
        b.cu_seqlens.push_back(static_cast<int32_t>(b.tokens.size()));
        b.probs_offsets.push_back(b.probs_per_layer);
        b.probs_per_layer += static_cast<int64_t>(heads) * t * t;
        b.contact_offsets.push_back(b.contacts);
        b.contacts += static_cast<int64_t>(n) * n;
        b.max_seqlen = std::max(b.max_seqlen, t);
    }
    return b;
}

// One layer's probabilities: every (sequence, head, query) row a softmax of random scores.
inline std::vector<float> random_probs(const Batch &b, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, 2.f);
    std::vector<float> probs(b.probs_per_layer);
    for (size_t s = 0; s < b.lengths.size(); ++s) {
        const int t = b.lengths[s];
        for (int64_t row = 0; row < static_cast<int64_t>(b.heads) * t; ++row) {
            float *r = &probs[b.probs_offsets[s] + row * t];
            double sum = 0;
            for (int k = 0; k < t; ++k) sum += (r[k] = std::exp(normal(rng)));
            for (int k = 0; k < t; ++k) r[k] = static_cast<float>(r[k] / sum);
        }
    }
    return probs;
}

// fp64, the arithmetic of ContactHead.java, adding one layer's channels onto logits.
inline void reference_layer(const Batch &b, const std::vector<float> &probs, const std::vector<float> &weight,
                     std::vector<double> &logits) {
    for (size_t s = 0; s < b.lengths.size(); ++s) {
        const int t = b.lengths[s], n = t - 2;
        if (n < 1) continue;
        const int32_t *seq = &b.tokens[b.cu_seqlens[s]];
        std::vector<double> keep(n), sym(static_cast<size_t>(n) * n), row_sums(n);
        for (int i = 0; i < n; ++i) keep[i] = seq[i + 1] == kEos ? 0 : 1;
        for (int h = 0; h < b.heads; ++h) {
            const float *p = &probs[b.probs_offsets[s] + static_cast<int64_t>(h) * t * t];
            double total = 0;
            for (int i = 0; i < n; ++i) {
                double row_sum = 0;
                for (int j = 0; j < n; ++j) {
                    const double v = (static_cast<double>(p[(i + 1) * t + j + 1]) + p[(j + 1) * t + i + 1]) *
                                     keep[i] * keep[j];
                    sym[static_cast<size_t>(i) * n + j] = v;
                    row_sum += v;
                }
                row_sums[i] = row_sum;
                total += row_sum;
            }
            for (int i = 0; i < n; ++i) {
                const double ri = row_sums[i] / total;
                for (int j = 0; j < n; ++j) {
                    logits[b.contact_offsets[s] + static_cast<int64_t>(i) * n + j] +=
                        weight[h] * (sym[static_cast<size_t>(i) * n + j] - ri * row_sums[j]);
                }
            }
        }
    }
}

struct Device {
    int32_t *tokens, *cu_seqlens;
    int64_t *probs_offsets, *contact_offsets;
    float *probs, *weight, *logits, *naive_logits, *row_sums;
};

inline esm2j_contact_head_params params(const Batch &b, const Device &d, float *logits, int accumulate) {
    esm2j_contact_head_params p{};
    p.probs = d.probs; p.probs_offsets = d.probs_offsets; p.cu_seqlens = d.cu_seqlens; p.tokens = d.tokens;
    p.weight = d.weight; p.logits = logits; p.contact_offsets = d.contact_offsets; p.row_sum_workspace = d.row_sums;
    p.total_tokens = static_cast<int64_t>(b.tokens.size()); p.num_seqs = static_cast<int64_t>(b.lengths.size());
    p.heads = b.heads; p.max_seqlen = b.max_seqlen; p.eos_token = kEos; p.accumulate = accumulate;
    return p;
}

inline void v1_layer(const Batch &b, const Device &d, int accumulate) {
    const int64_t total = static_cast<int64_t>(b.tokens.size());
    const int seqs = static_cast<int>(b.lengths.size());
    esm2j::launch_kernel(naive_row_sums_kernel, static_cast<unsigned>((total * b.heads + 255) / 256), 256, 0, nullptr,
        d.probs, d.probs_offsets, d.cu_seqlens, d.tokens, d.row_sums, seqs, b.heads, total);
    esm2j::launch_kernel(naive_totals_kernel, (seqs * b.heads + 255) / 256, 256, 0, nullptr, d.cu_seqlens, d.row_sums,
                         seqs, b.heads, total);
    const int max_n = std::max(b.max_seqlen - 2, 1);
    esm2j::launch_kernel(naive_apc_kernel, dim3(static_cast<unsigned>((static_cast<int64_t>(max_n) * max_n + 255) / 256), seqs),
                         256, 0, nullptr, d.probs, d.probs_offsets, d.cu_seqlens, d.tokens, d.weight, d.naive_logits, d.contact_offsets, d.row_sums,
        b.heads, total, max_n, accumulate);
    LAB_CHECK(cudaGetLastError());
}

inline double max_abs_error(const std::vector<float> &a, const std::vector<double> &ref) {
    double e = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double diff = std::fabs(a[i] - ref[i]);
        if (std::isnan(diff)) return INFINITY;  // std::max would drop a NaN
        e = std::max(e, diff);
    }
    return e;
}

inline Device upload(const Batch &b) {
    Device d{};
    d.tokens = to_device(b.tokens);
    d.cu_seqlens = to_device(b.cu_seqlens);
    d.probs_offsets = to_device(b.probs_offsets);
    d.contact_offsets = to_device(b.contact_offsets);
    LAB_CHECK(cudaMalloc(&d.probs, b.probs_per_layer * sizeof(float)));
    LAB_CHECK(cudaMalloc(&d.weight, b.heads * sizeof(float)));
    LAB_CHECK(cudaMalloc(&d.logits, std::max<int64_t>(b.contacts, 1) * sizeof(float)));
    LAB_CHECK(cudaMalloc(&d.naive_logits, std::max<int64_t>(b.contacts, 1) * sizeof(float)));
    LAB_CHECK(cudaMalloc(&d.row_sums, static_cast<int64_t>(b.heads) * b.tokens.size() * sizeof(float)));
    return d;
}

inline void release(const Device &d) {
    for (void *p : {static_cast<void *>(d.tokens), static_cast<void *>(d.cu_seqlens),
                    static_cast<void *>(d.probs_offsets), static_cast<void *>(d.contact_offsets),
                    static_cast<void *>(d.probs), static_cast<void *>(d.weight), static_cast<void *>(d.logits),
                    static_cast<void *>(d.naive_logits), static_cast<void *>(d.row_sums)}) {
        LAB_CHECK(cudaFree(p));
    }
}

// Runs `layers` layers of random probabilities through v1 and through v2 (layer(params) accumulates one layer,
// finish(params) applies the sigmoid) and checks the probabilities within 1e-5 and err(v2) <= 2 err(v1) + 1e-6 on the
// logits.
template <typename Layer, typename Finish>
bool validate(const char *name, const std::vector<int> &lengths, const std::vector<int> &eos_inside, int heads,
              int layers, Layer &&layer, Finish &&finish) {
    const Batch b = make_batch(lengths, eos_inside, heads);
    const Device d = upload(b);
    const float bias = -1.5f;
    std::vector<double> ref(b.contacts, 0.0);
    for (int l = 0; l < layers; ++l) {
        const std::vector<float> probs = random_probs(b, 100 + l);
        const std::vector<float> weight = random_floats(heads, 0.5f, 200 + l);
        LAB_CHECK(cudaMemcpy(d.probs, probs.data(), probs.size() * sizeof(float), cudaMemcpyHostToDevice));
        LAB_CHECK(cudaMemcpy(d.weight, weight.data(), weight.size() * sizeof(float), cudaMemcpyHostToDevice));
        reference_layer(b, probs, weight, ref);
        layer(params(b, d, d.logits, l > 0));
        LAB_CHECK(cudaGetLastError());
        v1_layer(b, d, l > 0);
    }
    const std::vector<float> logits = to_host(d.logits, b.contacts);
    const std::vector<float> naive = to_host(d.naive_logits, b.contacts);

    esm2j_contact_head_finish_params f{};
    f.logits = d.logits; f.count = b.contacts; f.bias = bias;
    finish(f);
    LAB_CHECK(cudaGetLastError());
    const std::vector<float> contacts = to_host(d.logits, b.contacts);
    std::vector<float> ref_contacts(b.contacts), ref_logits(b.contacts);
    for (int64_t i = 0; i < b.contacts; ++i) {
        ref_logits[i] = static_cast<float>(ref[i]);
        ref_contacts[i] = static_cast<float>(1 / (1 + std::exp(-(ref[i] + bias))));
    }

    char what[96];
    std::snprintf(what, sizeof what, "contact v2 %s H%d L%d probabilities", name, heads, layers);
    bool ok = validate_result(what, contacts, ref_contacts, 1e-5f, 0.f);
    std::snprintf(what, sizeof what, "contact v2 %s H%d L%d logits", name, heads, layers);
    validate_result(what, logits, ref_logits, 1e-5f, 4 * dtype_eps<float>());  // informative: the probabilities rule
    const double err_v1 = max_abs_error(naive, ref), err_v2 = max_abs_error(logits, ref);
    const bool floor_ok = err_v2 <= 2 * err_v1 + 1e-6;
    std::printf("  logits: err v2 %.3e vs 2 x err v1 %.3e + 1e-6: %s\n", err_v2, 2 * err_v1,
                floor_ok ? "OK" : "FAILED");
    release(d);
    return ok && floor_ok;
}

}  // namespace contact_lab
