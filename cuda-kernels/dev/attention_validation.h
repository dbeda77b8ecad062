// The attention lab's validation (dev/attention.cu), shared with the emulator tests (../emu/tests): version 1 (naive,
// the same-precision noise floor), the fp64 CPU reference, a packed batch on the device, and the rule
// err(v2) <= 2 * err(v1) + atol. The production kernel is run by a caller-supplied function.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "../attention/attention.cuh"
#include "common.h"

namespace attention_lab {

// --- version 1: naive --------------------------------------------------------------------------------------------

template <typename T>
__device__ __forceinline__ float round_to(float v) {
    return esm2j::to_float(esm2j::from_float<T>(v));
}

template <typename T>
__global__ void attention_naive_kernel(const T *q, const T *k, const T *v, T *out, float *probs,
                                       const int64_t *probs_offsets, const int32_t *cu_seqlens, int num_seqs,
                                       int total_tokens, int heads, int head_dim, int64_t token_stride,
                                       int64_t head_stride, int64_t out_row_stride, float scale) {
    const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= static_cast<int64_t>(total_tokens) * heads) return;
    const int token = static_cast<int>(index / heads), head = static_cast<int>(index % heads);
    const int s = esm2j::sequence_of(cu_seqlens, num_seqs, token);
    const int start = cu_seqlens[s], length = cu_seqlens[s + 1] - start;
    const T *q_row = q + token * token_stride + head * head_stride;
    auto score = [&](int key) {
        const T *k_row = k + (start + key) * token_stride + head * head_stride;
        float dot = 0.f;
        for (int d = 0; d < head_dim; ++d) dot += esm2j::to_float(q_row[d]) * esm2j::to_float(k_row[d]);
        return round_to<T>(round_to<T>(dot) * scale);
    };
    float m = -INFINITY;
    for (int key = 0; key < length; ++key) m = fmaxf(m, score(key));
    float l = 0.f;
    for (int key = 0; key < length; ++key) l += expf(score(key) - m);
    float o[128] = {};
    for (int key = 0; key < length; ++key) {
        const float p = expf(score(key) - m) / l;
        if (probs != nullptr) {
            probs[probs_offsets[s] + (static_cast<int64_t>(head) * length + (token - start)) * length + key] = p;
        }
        const float p_rounded = round_to<T>(p);
        const T *v_row = v + (start + key) * token_stride + head * head_stride;
        for (int d = 0; d < head_dim; ++d) o[d] += p_rounded * esm2j::to_float(v_row[d]);
    }
    for (int d = 0; d < head_dim; ++d) out[token * out_row_stride + head * head_dim + d] = esm2j::from_float<T>(o[d]);
}

// --- fp64 CPU reference ------------------------------------------------------------------------------------------

struct Layout {
    int64_t token_stride, head_stride, out_row_stride;
};

// out (total_tokens, heads * head_dim) and probs (per sequence (heads, T, T) at offsets[s]) in fp64, then fp32.
void reference(const std::vector<float> &q, const std::vector<float> &k, const std::vector<float> &v,
               const std::vector<int> &cu, int heads, int hd, const Layout &layout, float scale,
               const std::vector<int64_t> &offsets, std::vector<float> &out, std::vector<float> &probs) {
    std::vector<double> s, o(hd);
    for (size_t seq = 0; seq + 1 < cu.size(); ++seq) {
        const int start = cu[seq], length = cu[seq + 1] - start;
        s.resize(length);
        for (int h = 0; h < heads; ++h) {
            for (int i = 0; i < length; ++i) {
                const float *q_row = &q[(start + i) * layout.token_stride + h * layout.head_stride];
                double m = -INFINITY;
                for (int j = 0; j < length; ++j) {
                    const float *k_row = &k[(start + j) * layout.token_stride + h * layout.head_stride];
                    double dot = 0;
                    for (int d = 0; d < hd; ++d) dot += static_cast<double>(q_row[d]) * k_row[d];
                    s[j] = dot * scale;
                    m = std::max(m, s[j]);
                }
                double l = 0;
                for (int j = 0; j < length; ++j) l += (s[j] = std::exp(s[j] - m));
                std::fill(o.begin(), o.end(), 0.0);
                for (int j = 0; j < length; ++j) {
                    const double p = s[j] / l;
                    probs[offsets[seq] + (static_cast<int64_t>(h) * length + i) * length + j] = static_cast<float>(p);
                    const float *v_row = &v[(start + j) * layout.token_stride + h * layout.head_stride];
                    for (int d = 0; d < hd; ++d) o[d] += p * v_row[d];
                }
                for (int d = 0; d < hd; ++d) out[(start + i) * layout.out_row_stride + h * hd + d] = static_cast<float>(o[d]);
            }
        }
    }
}

double max_abs_error(const std::vector<float> &actual, const std::vector<float> &ref) {
    double err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double diff = std::fabs(static_cast<double>(actual[i]) - ref[i]);
        if (std::isnan(diff)) return INFINITY;  // std::max would drop a NaN and pass the check
        err = std::max(err, diff);
    }
    return err;
}

template <typename T>
std::vector<float> widen(const std::vector<T> &values) {
    std::vector<float> wide(values.size());
    for (size_t i = 0; i < values.size(); ++i) wide[i] = as_float(values[i]);
    return wide;
}

// --- one packed batch on the device ------------------------------------------------------------------------------

template <typename T>
struct Batch {
    std::vector<int> cu;
    std::vector<int64_t> offsets;
    int heads = 0, head_dim = 0, max_seqlen = 0;
    int64_t probs_size = 0;
    Layout layout{};
    T *q = nullptr, *k = nullptr, *v = nullptr, *out = nullptr;
    float *probs = nullptr;
    int32_t *d_cu = nullptr;
    int64_t *d_offsets = nullptr;
    std::vector<T> h_q, h_k, h_v;
    std::vector<void *> allocations;

    // The three q/k/v arrays live in one fused (tokens, 3, ...) buffer when fused; out rows get `out_pad` extra.
    Batch(const std::vector<int> &lengths, int heads_, int hd, int64_t head_stride, bool fused, int out_pad,
          bool with_probs, unsigned seed)
        : heads(heads_), head_dim(hd) {
        cu.assign(1, 0);
        for (int t : lengths) {
            offsets.push_back(probs_size);
            probs_size += static_cast<int64_t>(heads) * t * t;
            cu.push_back(cu.back() + t);
            max_seqlen = std::max(max_seqlen, t);
        }
        const int tokens = cu.back();
        const int64_t per_tensor = heads * head_stride;
        layout = {fused ? 3 * per_tensor : per_tensor, head_stride, static_cast<int64_t>(heads) * hd + out_pad};
        const size_t elements = static_cast<size_t>(tokens) * layout.token_stride;
        auto make = [&](unsigned s) {
            std::vector<float> x = random_floats(elements, 1.f, s);
            std::vector<T> y(elements);
            for (size_t i = 0; i < elements; ++i) y[i] = narrow<T>(x[i]);
            return y;
        };
        h_q = make(seed);
        h_k = make(seed + 1);
        h_v = make(seed + 2);
        if (fused) {
            // q, k, v interleaved per token as the fused projection writes them: [q | k | v].
            std::vector<T> all(static_cast<size_t>(tokens) * layout.token_stride);
            for (int t = 0; t < tokens; ++t) {
                for (int64_t c = 0; c < per_tensor; ++c) {
                    all[t * layout.token_stride + c] = h_q[t * layout.token_stride + c];
                    all[t * layout.token_stride + per_tensor + c] = h_k[t * layout.token_stride + c];
                    all[t * layout.token_stride + 2 * per_tensor + c] = h_v[t * layout.token_stride + c];
                }
            }
            T *base = to_device(all);
            allocations.push_back(base);
            q = base;
            k = base + per_tensor;
            v = base + 2 * per_tensor;
            // Host copies laid out exactly as the device sees each view.
            h_q = all;
            h_k.assign(all.begin() + per_tensor, all.end());
            h_k.resize(all.size());
            h_v.assign(all.begin() + 2 * per_tensor, all.end());
            h_v.resize(all.size());
        } else {
            q = to_device(h_q);
            k = to_device(h_k);
            v = to_device(h_v);
            allocations.insert(allocations.end(), {q, k, v});
        }
        LAB_CHECK(cudaMalloc(&out, static_cast<size_t>(tokens) * layout.out_row_stride * sizeof(T)));
        if (with_probs) LAB_CHECK(cudaMalloc(&probs, std::max<int64_t>(probs_size, 1) * sizeof(float)));
        d_cu = to_device(std::vector<int32_t>(cu.begin(), cu.end()));
        d_offsets = to_device(offsets);
        allocations.insert(allocations.end(), {out, probs, d_cu, d_offsets});
    }

    int tokens() const { return cu.back(); }
    double flops() const {
        double sum = 0;
        for (size_t s = 0; s + 1 < cu.size(); ++s) sum += static_cast<double>(cu[s + 1] - cu[s]) * (cu[s + 1] - cu[s]);
        return 4 * sum * heads * head_dim;
    }

    esm2j_attention_params params(float scale) const {
        esm2j_attention_params p{};
        p.q = q; p.k = k; p.v = v; p.out = out; p.probs = probs; p.probs_offsets = d_offsets; p.cu_seqlens = d_cu;
        p.total_tokens = tokens(); p.num_seqs = static_cast<int64_t>(cu.size()) - 1; p.heads = heads;
        p.head_dim = head_dim; p.max_seqlen = max_seqlen; p.token_stride = layout.token_stride;
        p.head_stride = layout.head_stride; p.out_row_stride = layout.out_row_stride; p.scale = scale;
        p.dtype = dtype_code<T>();
        return p;
    }

    void run_naive(float scale) const {
        const int64_t threads = static_cast<int64_t>(tokens()) * heads;
        esm2j::launch_kernel(attention_naive_kernel<T>, static_cast<unsigned>((threads + 127) / 128), 128, 0, nullptr,
            q, k, v, out, probs, d_offsets, d_cu, static_cast<int>(cu.size()) - 1, tokens(), heads, head_dim,
            layout.token_stride, layout.head_stride, layout.out_row_stride, scale);
        LAB_CHECK(cudaGetLastError());
    }

    // The production kernel, through `run` (the lab calls the launcher, the emulator tests the C entry point).
    template <typename Run>
    void run_flash(float scale, Run &&run) const {
        run(params(scale));
        LAB_CHECK(cudaGetLastError());
    }

    // Output rows without the row padding, as fp32.
    std::vector<float> output() const {
        const std::vector<T> raw = to_host(out, static_cast<size_t>(tokens()) * layout.out_row_stride);
        return widen(raw);
    }

    Batch(const Batch &) = delete;
    Batch &operator=(const Batch &) = delete;
    ~Batch() {
        for (void *allocation : allocations) LAB_CHECK(cudaFree(allocation));
    }
};

// Zeroes the columns of padded out rows so that both versions compare equal there.
void drop_row_padding(std::vector<float> &rows, int64_t row_stride, int64_t width) {
    for (size_t i = 0; i < rows.size(); ++i) {
        if (static_cast<int64_t>(i % row_stride) >= width) rows[i] = 0.f;
    }
}

// Runs v1 and v2 (through `run`) on one batch and applies the rule err(v2) <= 2 err(v1) + 1e-6 to out and probs.
template <typename T, typename Run>
bool validate(const char *label, const std::vector<int> &lengths, int heads, int hd, int64_t head_stride, bool fused,
              int out_pad, Run &&run) {
    const float scale = 1.f / std::sqrt(static_cast<float>(hd));
    Batch<T> batch(lengths, heads, hd, head_stride, fused, out_pad, true, 17u * hd + lengths.size());
    std::vector<float> ref_out(static_cast<size_t>(batch.tokens()) * batch.layout.out_row_stride, 0.f);
    std::vector<float> ref_probs(batch.probs_size);
    reference(widen(batch.h_q), widen(batch.h_k), widen(batch.h_v), batch.cu, heads, hd, batch.layout, scale,
              batch.offsets, ref_out, ref_probs);

    batch.run_naive(scale);
    std::vector<float> naive_out = batch.output();
    const std::vector<float> naive_probs = to_host(batch.probs, batch.probs_size);
    LAB_CHECK(cudaMemset(batch.out, 0, static_cast<size_t>(batch.tokens()) * batch.layout.out_row_stride * sizeof(T)));
    LAB_CHECK(cudaMemset(batch.probs, 0, batch.probs_size * sizeof(float)));
    batch.run_flash(scale, run);
    std::vector<float> flash_out = batch.output();
    const std::vector<float> flash_probs = to_host(batch.probs, batch.probs_size);
    const int64_t width = static_cast<int64_t>(heads) * hd;
    drop_row_padding(naive_out, batch.layout.out_row_stride, width);
    drop_row_padding(flash_out, batch.layout.out_row_stride, width);

    // atol keeps the rule meaningful where the naive error is exactly zero (T = 1: the output is v itself).
    const double atol = 1e-6;
    bool ok = true;
    const double out_naive = max_abs_error(naive_out, ref_out), out_flash = max_abs_error(flash_out, ref_out);
    const double probs_naive = max_abs_error(naive_probs, ref_probs), probs_flash = max_abs_error(flash_probs, ref_probs);
    for (const auto &[what, flash, naive] : {std::tuple{"out", out_flash, out_naive},
                                            std::tuple{"probs", probs_flash, probs_naive}}) {
        const double allowed = 2 * naive + atol;
        const bool pass = flash <= allowed;
        ok &= pass;
        std::printf("%-5s %-6s D=%-3d %-5s err v2 %.3e  v1 %.3e  %5.1f%% of allowed  %s\n", dtype_name<T>(),
                    label, hd, what, flash, naive, 100 * flash / allowed, pass ? "OK" : "FAILED");
    }
    // The usual elementwise summary too: v2's output against fp64 with atol + |ref| * 4 eps(dtype).
    std::vector<T> flash_typed(flash_out.size());
    for (size_t i = 0; i < flash_out.size(); ++i) flash_typed[i] = narrow<T>(flash_out[i]);
    char what[96];
    std::snprintf(what, sizeof what, "  v2 out %s %s D=%d", dtype_name<T>(), label, hd);
    validate_result(what, flash_typed, ref_out, 4 * dtype_eps<T>(), 4 * dtype_eps<T>());
    return ok;
}

}  // namespace attention_lab
