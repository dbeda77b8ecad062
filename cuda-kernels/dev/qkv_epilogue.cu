// Kernel lab: QKV epilogue (bias + q scaling + half-split rotary) over a packed varlen batch.
// Versions:
//   1  one block per token, one thread per rotation pair -- production, qkv_epilogue.cuh
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
// Run on a GPU: ./lab_qkv_epilogue   (validates against an fp64 CPU reference, then times ESM-2 shapes)
#include "../qkv_epilogue.cuh"
#include "common.h"

namespace {

struct Shape {
    std::vector<int> lengths;
    int heads, head_dim;
};

// Positions restart per sequence; theta formed in fp32 as PyTorch does (position * inv_freq), then fp64 trig.
std::vector<float> reference(const std::vector<float> &qkv, const std::vector<float> &bias,
                             const std::vector<float> &inv_freq, const std::vector<int> &cu, int heads, int hd,
                             int which) {
    const int D = heads * hd, half = hd / 2, tokens = cu.back();
    const double scale = which == 0 ? 1.0 / std::sqrt(static_cast<double>(hd)) : 1.0;
    std::vector<float> out(static_cast<size_t>(tokens) * D);
    for (size_t s = 0; s + 1 < cu.size(); ++s) {
        for (int t = cu[s]; t < cu[s + 1]; ++t) {
            const float position = static_cast<float>(t - cu[s]);
            for (int h = 0; h < heads; ++h) {
                for (int j = 0; j < half; ++j) {
                    const int c0 = which * D + h * hd + j, c1 = c0 + half;
                    const double x0 = (qkv[static_cast<size_t>(t) * 3 * D + c0] + bias[c0]) * scale;
                    const double x1 = (qkv[static_cast<size_t>(t) * 3 * D + c1] + bias[c1]) * scale;
                    const double theta = position * inv_freq[j];
                    const double c = which == 2 ? 1 : std::cos(theta), sn = which == 2 ? 0 : std::sin(theta);
                    out[static_cast<size_t>(t) * D + h * hd + j] = x0 * c - x1 * sn;
                    out[static_cast<size_t>(t) * D + h * hd + j + half] = x1 * c + x0 * sn;
                }
            }
        }
    }
    return out;
}

template <typename TOut>
bool run(const Shape &shape, bool time_it) {
    std::vector<int> cu{0};
    for (int len : shape.lengths) cu.push_back(cu.back() + len);
    const int tokens = cu.back(), heads = shape.heads, hd = shape.head_dim, D = heads * hd;
    const std::vector<float> qkv = random_floats(static_cast<size_t>(tokens) * 3 * D, 1.f, 1);
    const std::vector<float> bias = random_floats(3 * D, 0.1f, 2);
    std::vector<float> inv_freq(hd / 2);
    for (int j = 0; j < hd / 2; ++j) inv_freq[j] = static_cast<float>(1.0 / std::pow(10000.0, 2.0 * j / hd));

    float *d_qkv = to_device(qkv), *d_bias = to_device(bias), *d_inv = to_device(inv_freq);
    int32_t *d_cu = to_device(std::vector<int32_t>(cu.begin(), cu.end()));
    TOut *d_out[3];
    for (auto &o : d_out) LAB_CHECK(cudaMalloc(&o, static_cast<size_t>(tokens) * D * sizeof(TOut)));
    esm2j_qkv_epilogue_params p{};
    p.qkv = d_qkv; p.bias = d_bias; p.inv_freq = d_inv; p.cu_seqlens = d_cu;
    p.q = d_out[0]; p.k = d_out[1]; p.v = d_out[2];
    p.total_tokens = tokens; p.num_seqs = static_cast<int64_t>(shape.lengths.size()); p.heads = heads; p.head_dim = hd;
    p.qkv_row_stride = 3 * D; p.out_token_stride = D; p.out_head_stride = hd;
    p.q_scale = static_cast<float>(std::pow(static_cast<double>(hd), -0.5));
    esm2j::qkv_epilogue_forward<float, TOut>(p);
    LAB_CHECK(cudaGetLastError());

    bool ok = true;
    const char *names[3] = {"q", "k", "v"};
    for (int which = 0; which < 3; ++which) {
        char what[96];
        std::snprintf(what, sizeof what, "qkv v1 %s %s %d seqs %d tok h%dx%d", names[which],
                      sizeof(TOut) == 4 ? "f32" : "bf16", static_cast<int>(shape.lengths.size()), tokens, heads, hd);
        // fp32 sincos at angles up to ~1e3 rad: a few ulp of theta, hence the 1e-5 absolute floor.
        ok &= validate_result(what, to_host(d_out[which], static_cast<size_t>(tokens) * D),
                              reference(qkv, bias, inv_freq, cu, heads, hd, which), 2e-4f,
                              2 * dtype_eps<TOut>() + 1e-5f);
    }
    if (time_it) {
        const float ms = benchmark_kernel(50, [&] { esm2j::qkv_epilogue_forward<float, TOut>(p); });
        const double bytes = static_cast<double>(tokens) * 3 * D * (sizeof(float) + sizeof(TOut));
        std::printf("  %.4f ms  %.0f GB/s\n", ms, bytes / ms / 1e6);
    }
    for (void *ptr : {static_cast<void *>(d_qkv), static_cast<void *>(d_bias), static_cast<void *>(d_inv),
                      static_cast<void *>(d_cu), static_cast<void *>(d_out[0]), static_cast<void *>(d_out[1]),
                      static_cast<void *>(d_out[2])}) {
        LAB_CHECK(cudaFree(ptr));
    }
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    for (const Shape &s : {Shape{{1}, 2, 16}, Shape{{97, 1, 1025}, 20, 16}, Shape{{5, 300}, 20, 24},
                           Shape{{1025}, 20, 64}, Shape{{64, 33}, 40, 128}}) {
        ok &= run<float>(s, false);
        ok &= run<__nv_bfloat16>(s, false);
    }
    for (int hd : {16, 32, 64}) {
        ok &= run<__nv_bfloat16>(Shape{std::vector<int>(64, 512), 20, hd}, true);
    }
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
