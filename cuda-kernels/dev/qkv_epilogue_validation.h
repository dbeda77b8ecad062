// The qkv_epilogue lab's validation (dev/qkv_epilogue.cu), shared with the emulator tests (../emu/tests): the fp64
// reference, the fp32 noise floor and the checks of one shape; the epilogue itself is enqueued by a caller-supplied
// function.
#pragma once

#include <algorithm>
#include <cmath>

#include "common.h"

namespace qkv_lab {

struct Shape {
    std::vector<int> lengths;
    int heads, head_dim;
};

// The epilogue on the CPU in arithmetic type Real, each output passed through store. Positions restart per sequence;
// the bias is added in fp32 and theta formed in fp32 as PyTorch does (position * inv_freq), then scaling and trig in
// Real.
template <typename Real, typename Store>
std::vector<float> rotate(const std::vector<float> &qkv, const std::vector<float> &bias,
                          const std::vector<float> &inv_freq, const std::vector<int> &cu, int heads, int hd, int which,
                          Real q_scale, Store store) {
    const int D = heads * hd, half = hd / 2, tokens = cu.back();
    const Real scale = which == 0 ? q_scale : Real(1);
    std::vector<float> out(static_cast<size_t>(tokens) * D);
    for (size_t s = 0; s + 1 < cu.size(); ++s) {
        for (int t = cu[s]; t < cu[s + 1]; ++t) {
            const float position = static_cast<float>(t - cu[s]);
            for (int h = 0; h < heads; ++h) {
                for (int j = 0; j < half; ++j) {
                    const int c0 = which * D + h * hd + j, c1 = c0 + half;
                    const Real x0 = (qkv[static_cast<size_t>(t) * 3 * D + c0] + bias[c0]) * scale;
                    const Real x1 = (qkv[static_cast<size_t>(t) * 3 * D + c1] + bias[c1]) * scale;
                    const Real theta = position * inv_freq[j];
                    const Real c = which == 2 ? Real(1) : std::cos(theta), sn = which == 2 ? Real(0) : std::sin(theta);
                    out[static_cast<size_t>(t) * D + h * hd + j] = store(x0 * c - x1 * sn);
                    out[static_cast<size_t>(t) * D + h * hd + j + half] = store(x1 * c + x0 * sn);
                }
            }
        }
    }
    return out;
}

// The fp64 reference, with the exact head_dim^-0.5.
std::vector<float> reference(const std::vector<float> &qkv, const std::vector<float> &bias,
                             const std::vector<float> &inv_freq, const std::vector<int> &cu, int heads, int hd,
                             int which) {
    return rotate<double>(qkv, bias, inv_freq, cu, heads, hd, which, 1.0 / std::sqrt(static_cast<double>(hd)),
                          [](double v) { return static_cast<float>(v); });
}

// The same-precision noise floor: everything in fp32 (the kernel's q_scale included), rounded once to TOut.
template <typename TOut>
std::vector<float> naive(const std::vector<float> &qkv, const std::vector<float> &bias,
                         const std::vector<float> &inv_freq, const std::vector<int> &cu, int heads, int hd, int which,
                         float q_scale) {
    return rotate<float>(qkv, bias, inv_freq, cu, heads, hd, which, q_scale,
                         [](float v) { return as_float(narrow<TOut>(v)); });
}

template <typename T>
double max_abs_error(const std::vector<T> &actual, const std::vector<float> &ref) {
    double e = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        e = std::max(e, std::fabs(static_cast<double>(as_float(actual[i])) - ref[i]));
    }
    return e;
}

// Validates (and with time_it, times) the epilogue on one shape; `launch` enqueues it for the params (the lab calls the
// launcher, the emulator tests the C entry point).
template <typename TIn, typename TOut, typename Launch>
bool run(const Shape &shape, bool time_it, Launch &&launch) {
    std::vector<int> cu{0};
    for (int len : shape.lengths) cu.push_back(cu.back() + len);
    const int tokens = cu.back(), heads = shape.heads, hd = shape.head_dim, D = heads * hd;
    // The kernel reads the stored (rounded) input; both CPU computations start from exactly those values.
    std::vector<float> qkv = random_floats(static_cast<size_t>(tokens) * 3 * D, 1.f, 1);
    std::vector<TIn> qkv_stored(qkv.size());
    for (size_t i = 0; i < qkv.size(); ++i) {
        qkv_stored[i] = narrow<TIn>(qkv[i]);
        qkv[i] = as_float(qkv_stored[i]);
    }
    const std::vector<float> bias = random_floats(3 * D, 0.1f, 2);
    std::vector<float> inv_freq(hd / 2);
    for (int j = 0; j < hd / 2; ++j) inv_freq[j] = static_cast<float>(1.0 / std::pow(10000.0, 2.0 * j / hd));

    TIn *d_qkv = to_device(qkv_stored);
    float *d_bias = to_device(bias), *d_inv = to_device(inv_freq);
    int32_t *d_cu = to_device(std::vector<int32_t>(cu.begin(), cu.end()));
    TOut *d_out[3];
    for (auto &o : d_out) LAB_CHECK(cudaMalloc(&o, static_cast<size_t>(tokens) * D * sizeof(TOut)));
    esm2j_qkv_epilogue_params p{};
    p.qkv = d_qkv; p.bias = d_bias; p.inv_freq = d_inv; p.cu_seqlens = d_cu;
    p.q = d_out[0]; p.k = d_out[1]; p.v = d_out[2];
    p.total_tokens = tokens; p.num_seqs = static_cast<int64_t>(shape.lengths.size()); p.heads = heads; p.head_dim = hd;
    p.qkv_row_stride = 3 * D; p.out_token_stride = D; p.out_head_stride = hd;
    p.q_scale = static_cast<float>(std::pow(static_cast<double>(hd), -0.5));
    p.in_dtype = dtype_code<TIn>(); p.out_dtype = dtype_code<TOut>();
    launch(p);
    LAB_CHECK(cudaGetLastError());

    bool ok = true;
    const char *names[3] = {"q", "k", "v"};
    for (int which = 0; which < 3; ++which) {
        char what[96];
        std::snprintf(what, sizeof what, "qkv v1 %s %s->%s %d seqs %d tok h%dx%d", names[which], dtype_name<TIn>(),
                      dtype_name<TOut>(), static_cast<int>(shape.lengths.size()), tokens, heads, hd);
        // atol 2e-4 is a generous floor: the expected fp32 error (sincosf within 2 ulp at theta up to ~1e3 rad, a theta
        // the kernel and the reference form identically in fp32, then the fp32 rotation of values of a few units) is a
        // about 1e-6; the rounding of a 16-bit output is covered by the relative term.
        const float atol = 2e-4f;
        const std::vector<TOut> actual = to_host(d_out[which], static_cast<size_t>(tokens) * D);
        const std::vector<float> ref = reference(qkv, bias, inv_freq, cu, heads, hd, which);
        ok &= validate_result(what, actual, ref, atol, 2 * dtype_eps<TOut>() + 1e-5f);
        const double err_kernel = max_abs_error(actual, ref);
        const double err_naive = max_abs_error(naive<TOut>(qkv, bias, inv_freq, cu, heads, hd, which, p.q_scale), ref);
        const bool floor_ok = err_kernel <= 2 * err_naive + atol;
        std::printf("  err v1 %.3e vs 2 x err naive %.3e + atol: %s\n", err_kernel, 2 * err_naive,
                    floor_ok ? "OK" : "FAILED");
        ok &= floor_ok;
    }
    if (time_it) {
        const float ms = benchmark_kernel(50, [&] { launch(p); });
        const double bytes = static_cast<double>(tokens) * 3 * D * (sizeof(TIn) + sizeof(TOut));
        const double gbs = bytes / ms / 1e6;
        std::printf("  %.4f ms  %.0f GB/s  %.0f%% of the %.0f GB/s roofline\n", ms, gbs, 100 * gbs / peak_memory_gbs(),
                    peak_memory_gbs());
    }
    for (void *ptr : {static_cast<void *>(d_qkv), static_cast<void *>(d_bias), static_cast<void *>(d_inv),
                      static_cast<void *>(d_cu), static_cast<void *>(d_out[0]), static_cast<void *>(d_out[1]),
                      static_cast<void *>(d_out[2])}) {
        LAB_CHECK(cudaFree(ptr));
    }
    return ok;
}

}  // namespace qkv_lab
