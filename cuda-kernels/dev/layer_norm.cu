// Kernel lab: LayerNorm forward.
// Versions:
//   1  one warp per row, three passes over the row (mean, centred variance, normalise) -- production, layer_norm.cuh
// Correctness: every (input, output) dtype pair and aliasing the CUDA runtime launches -- f32->f32 and f32->bf16/f16
// out of place (the per-layer and final norms from the fp32 residual stream), f32->f32 in place (the last
// representation, normalised on the residual stream itself) and bf16->bf16 / f16->f16 in place (the LM head's norm;
// y = x with the same row stride) -- against an fp64 CPU reference of the same inputs rounded to the input dtype, over
// awkward shapes (1, 97, 1025 rows; 1, 33, 320, 480, 1279 columns), and for the three timed pairs the ESM-2 widths
// at 64 x 512 tokens.
// Tolerance 1e-5 + |ref| * (4 eps(out) + 1e-5).
// Timing: CUDA events with an L2 flush; GB/s = (read x + write y) / time, at 64 x 512 tokens for the widths of
// esm2_t6_8M .. esm2_t48_15B, f32->f32, f32->bf16 and bf16->bf16 in place.
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/layer_norm.cu -o lab_layer_norm
// Run on a GPU: ./lab_layer_norm   (validation, then timing; exit status 1 on any mismatch)
#include <type_traits>

#include "../layer_norm.cuh"
#include "common.h"
#include "layer_norm_reference.h"

namespace {

// In place (y = x, the same row stride) needs one dtype for both.
template <typename TIn, typename TOut>
bool run(int rows, int dim, bool in_place, bool time_it) {
    if (in_place && !std::is_same_v<TIn, TOut>) {
        std::fprintf(stderr, "layer_norm lab: in place needs one dtype, got %s->%s\n", dtype_name<TIn>(),
                     dtype_name<TOut>());
        std::exit(1);
    }
    // An offset mean stresses the variance computation (E[x^2] - mean^2 would cancel). The kernel reads the stored
    // (rounded) input, so the reference starts from exactly those values.
    std::vector<float> x = random_floats(static_cast<size_t>(rows) * dim, 1.f, 1);
    std::vector<TIn> x_stored(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        x_stored[i] = narrow<TIn>(x[i] + 3.f);
        x[i] = as_float(x_stored[i]);
    }
    const std::vector<float> gamma = random_floats(dim, 1.f, 2), beta = random_floats(dim, 0.1f, 3);
    const std::vector<float> ref = layer_norm_reference(x, gamma, beta, rows, dim);

    TIn *d_x = to_device(x_stored);
    float *d_gamma = to_device(gamma), *d_beta = to_device(beta);
    TOut *d_y = nullptr;
    if (in_place) {
        d_y = reinterpret_cast<TOut *>(d_x);
    } else {
        LAB_CHECK(cudaMalloc(&d_y, ref.size() * sizeof(TOut)));
    }
    esm2j_layer_norm_params p{};
    p.x = d_x; p.y = d_y; p.gamma = d_gamma; p.beta = d_beta;
    p.rows = rows; p.dim = dim; p.x_row_stride = dim; p.y_row_stride = dim; p.eps = 1e-5f;
    p.x_dtype = dtype_code<TIn>(); p.y_dtype = dtype_code<TOut>();
    esm2j::layer_norm_forward<TIn, TOut>(p);
    LAB_CHECK(cudaGetLastError());

    char what[96];
    std::snprintf(what, sizeof what, "layer_norm v1 %s->%s %dx%d%s", dtype_name<TIn>(), dtype_name<TOut>(), rows, dim,
                  in_place ? " in place" : "");
    const bool ok = validate_result(what, to_host(d_y, ref.size()), ref, 1e-5f, 4 * dtype_eps<TOut>() + 1e-5f);
    if (time_it) {
        // In place, each launch normalises the previous output: different values, the same bytes moved.
        const float ms = benchmark_kernel(50, [&] { esm2j::layer_norm_forward<TIn, TOut>(p); });
        const double bytes = static_cast<double>(rows) * dim * (sizeof(TIn) + sizeof(TOut));
        const double gbs = bytes / ms / 1e6;
        std::printf("  %.4f ms  %.0f GB/s  %.0f%% of the %.0f GB/s roofline\n", ms, gbs, 100 * gbs / peak_memory_gbs(),
                    peak_memory_gbs());
    }
    LAB_CHECK(cudaFree(d_x)); LAB_CHECK(cudaFree(d_gamma)); LAB_CHECK(cudaFree(d_beta));
    if (!in_place) LAB_CHECK(cudaFree(d_y));
    return ok;
}

// The combinations the CUDA runtime launches (bf16 activations, or f16 with -Desm2j.cuda.dtype=fp16); the timing
// shapes run only the three of the default bf16 runtime, which keeps the lab's CPU reference time bounded.
bool run_runtime_cases(int rows, int dim, bool time_it) {
    bool ok = true;
    ok &= run<float, float>(rows, dim, false, time_it);
    ok &= run<float, __nv_bfloat16>(rows, dim, false, time_it);
    ok &= run<__nv_bfloat16, __nv_bfloat16>(rows, dim, true, time_it);
    if (!time_it) {
        ok &= run<float, __half>(rows, dim, false, false);
        ok &= run<float, float>(rows, dim, true, false);
        ok &= run<__half, __half>(rows, dim, true, false);
    }
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    // Awkward shapes: one row, odd dims, dims not a multiple of the warp.
    for (int rows : {1, 97, 1025}) {
        for (int dim : {1, 33, 320, 480, 1279}) ok &= run_runtime_cases(rows, dim, false);
    }
    // ESM-2 shapes at 64 x 512 tokens: 8M, 35M, 150M, 650M, 3B, 15B.
    for (int dim : {320, 480, 640, 1280, 2560, 5120}) ok &= run_runtime_cases(64 * 512, dim, true);
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
