// Kernel lab: LayerNorm forward.
// Versions:
//   1  one warp per row, three passes over the row (mean, centred variance, normalise) -- production, layer_norm.cuh
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/layer_norm.cu -o lab_layer_norm
// Run on a GPU: ./lab_layer_norm   (validates every shape against an fp64 CPU reference, then times the ESM-2 shapes)
#include "../layer_norm.cuh"
#include "common.h"

namespace {

// fp64 statistics, the same affine formula; eps 1e-5 as ESM-2.
std::vector<float> layer_norm_reference(const std::vector<float> &x, const std::vector<float> &gamma,
                                        const std::vector<float> &beta, int rows, int dim) {
    std::vector<float> y(x.size());
    for (int r = 0; r < rows; ++r) {
        const float *xr = &x[static_cast<size_t>(r) * dim];
        double mean = 0, var = 0;
        for (int i = 0; i < dim; ++i) mean += xr[i];
        mean /= dim;
        for (int i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var /= dim;
        const double rstd = 1.0 / std::sqrt(var + 1e-5);
        for (int i = 0; i < dim; ++i) y[static_cast<size_t>(r) * dim + i] = (xr[i] - mean) * rstd * gamma[i] + beta[i];
    }
    return y;
}

template <typename TOut>
bool run(int rows, int dim, bool time_it) {
    // An offset mean stresses the variance computation (E[x^2] - mean^2 would cancel).
    std::vector<float> x = random_floats(static_cast<size_t>(rows) * dim, 1.f, 1);
    for (auto &v : x) v += 3.f;
    const std::vector<float> gamma = random_floats(dim, 1.f, 2), beta = random_floats(dim, 0.1f, 3);
    const std::vector<float> ref = layer_norm_reference(x, gamma, beta, rows, dim);

    float *d_x = to_device(x), *d_gamma = to_device(gamma), *d_beta = to_device(beta);
    TOut *d_y = nullptr;
    LAB_CHECK(cudaMalloc(&d_y, ref.size() * sizeof(TOut)));
    esm2j_layer_norm_params p{};
    p.x = d_x; p.y = d_y; p.gamma = d_gamma; p.beta = d_beta;
    p.rows = rows; p.dim = dim; p.x_row_stride = dim; p.y_row_stride = dim; p.eps = 1e-5f;
    esm2j::layer_norm_forward<float, TOut>(p);
    LAB_CHECK(cudaGetLastError());

    char what[96];
    std::snprintf(what, sizeof what, "layer_norm v1 %s %dx%d", sizeof(TOut) == 4 ? "f32" : "bf16", rows, dim);
    const bool ok = validate_result(what, to_host(d_y, ref.size()), ref, 1e-5f, 4 * dtype_eps<TOut>() + 1e-5f);
    if (time_it) {
        const float ms = benchmark_kernel(50, [&] { esm2j::layer_norm_forward<float, TOut>(p); });
        const double bytes = static_cast<double>(rows) * dim * (sizeof(float) + sizeof(TOut));
        std::printf("  %.4f ms  %.0f GB/s\n", ms, bytes / ms / 1e6);
    }
    LAB_CHECK(cudaFree(d_x)); LAB_CHECK(cudaFree(d_gamma)); LAB_CHECK(cudaFree(d_beta)); LAB_CHECK(cudaFree(d_y));
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    // Awkward shapes: one row, odd dims, dims not a multiple of the warp.
    for (int rows : {1, 97, 1025}) {
        for (int dim : {1, 33, 320, 480, 1279}) {
            ok &= run<float>(rows, dim, false);
            ok &= run<__nv_bfloat16>(rows, dim, false);
        }
    }
    // ESM-2 shapes at 64 x 512 tokens: 8M, 35M, 150M, 650M, 3B, 15B.
    for (int dim : {320, 480, 640, 1280, 2560, 5120}) {
        ok &= run<float>(64 * 512, dim, true);
        ok &= run<__nv_bfloat16>(64 * 512, dim, true);
    }
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
