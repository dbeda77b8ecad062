// Kernel lab: bias + exact erf-GELU, y = gelu(x + bias), the epilogue of fc1 and of the LM head's dense layer.
// Versions:
//   1  one block of 256 threads per row, threads striding over the columns -- production, bias_gelu.cuh
//   2  one thread per element of the flattened (rows, cols) range, grid-stride: no idle threads on narrow rows, but
//      a 64-bit division per element to find the row. For comparison only.
// Correctness: every version and dtype (f32, f16, bf16; x and y share it) against an fp64 CPU reference of the same
// rounded inputs, over awkward shapes (1 or 97 or 1025 rows; 1, 33, 320, 1279, 5120 columns), padded row strides
// (whose padding must stay untouched), in place (y = x, as the runtime calls it) and without bias. Tolerance
// 2e-6 + |ref| * (eps(dtype) + 8 FLT_EPSILON): one rounding to the dtype after fp32 arithmetic (erff within 2 ulp).
// Timing: CUDA events with an L2 flush; GB/s = (read x + write y) / time against the DRAM roofline, at 64 x 512
// tokens for the fc1 widths of esm2_t6_8M (1280), t30_150M (2560) and t33_650M (5120).
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build --target lab_bias_gelu
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/bias_gelu.cu -o lab_bias_gelu
// Run on a GPU: ./lab_bias_gelu   (validation, then timing; exit status 1 on any mismatch)
#include <algorithm>
#include <cfloat>
#include <cstdint>

#include "../bias_gelu.cuh"
#include "common.h"

namespace {

// --- version 2: one thread per element ----------------------------------------------------------------------------

constexpr int kFlatThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kFlatThreads)
bias_gelu_flat_kernel(const T *x, T *y, const float *__restrict__ bias, int64_t rows, int cols, int64_t x_row_stride,
                      int64_t y_row_stride) {
    const int64_t n = rows * cols, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
        const int64_t r = i / cols;
        const int c = static_cast<int>(i - r * cols);
        float v = esm2j::to_float(x[r * x_row_stride + c]);
        if (bias != nullptr) v += bias[c];
        y[r * y_row_stride + c] = esm2j::from_float<T>(esm2j::gelu_erf(v));
    }
}

template <typename T>
void launch(int version, const esm2j_bias_gelu_params &p) {
    if (version == 1) {
        esm2j::bias_gelu_forward<T>(p);
        return;
    }
    const int64_t blocks = std::min<int64_t>(esm2j::ceil_div(p.rows * p.cols, kFlatThreads), 1 << 16);
    bias_gelu_flat_kernel<T><<<static_cast<unsigned>(blocks), kFlatThreads, 0, p.stream>>>(
        static_cast<const T *>(p.x), static_cast<T *>(p.y), p.bias, p.rows, static_cast<int>(p.cols), p.x_row_stride,
        p.y_row_stride);
}

// --- reference and driver -----------------------------------------------------------------------------------------

// gelu(v) = v/2 * (1 + erf(v/sqrt 2)) = v/2 * erfc(-v/sqrt 2): erfc keeps the negative tail exact in fp64.
double gelu_reference(double v) { return 0.5 * v * std::erfc(-v / std::sqrt(2.0)); }

struct Case {
    int rows, cols;
    int x_pad = 0, y_pad = 0;  // elements after each row's cols, making the row stride cols + pad
    bool in_place = false;     // y = x (then x_pad == y_pad)
    bool with_bias = true;
};

template <typename T>
bool run(const Case &k, bool time_it) {
    const int64_t xs = k.cols + k.x_pad, ys = k.in_place ? xs : k.cols + k.y_pad;
    const size_t x_elems = static_cast<size_t>(k.rows) * xs, y_elems = static_cast<size_t>(k.rows) * ys;
    // |x| < 5 covers GELU's linear, curved and vanishing parts; the bias is about 10% of it as in fc1.
    const std::vector<float> x_values = uniform_floats(x_elems, 5.f, 1);
    const std::vector<float> bias = random_floats(k.cols, 0.5f, 2);
    std::vector<T> x_host(x_elems), y_host(k.in_place ? 0 : y_elems, narrow<T>(7.f));
    for (size_t i = 0; i < x_elems; ++i) x_host[i] = narrow<T>(x_values[i]);

    // Expected contents of the whole y buffer: GELU of the stored inputs, the padding as it was.
    std::vector<float> expected(y_elems);
    for (int64_t r = 0; r < k.rows; ++r) {
        for (int64_t c = 0; c < ys; ++c) {
            float &e = expected[r * ys + c];
            if (c < k.cols) {
                const double v = as_float(x_host[r * xs + c]) + (k.with_bias ? static_cast<double>(bias[c]) : 0.0);
                e = static_cast<float>(gelu_reference(v));
            } else {
                e = k.in_place ? as_float(x_host[r * xs + c]) : 7.f;
            }
        }
    }

    T *d_x = to_device(x_host), *d_y = k.in_place ? d_x : to_device(y_host);
    float *d_bias = to_device(bias);
    esm2j_bias_gelu_params p{};
    p.x = d_x; p.y = d_y; p.bias = k.with_bias ? d_bias : nullptr;
    p.rows = k.rows; p.cols = k.cols; p.x_row_stride = xs; p.y_row_stride = ys; p.dtype = dtype_code<T>();

    bool ok = true;
    for (int version : {1, 2}) {
        // Every version starts from the original buffers, so none can pass on what another one wrote.
        if (k.in_place) {
            LAB_CHECK(cudaMemcpy(d_x, x_host.data(), x_elems * sizeof(T), cudaMemcpyHostToDevice));
        } else {
            LAB_CHECK(cudaMemcpy(d_y, y_host.data(), y_elems * sizeof(T), cudaMemcpyHostToDevice));
        }
        launch<T>(version, p);
        LAB_CHECK(cudaGetLastError());
        char what[112];
        std::snprintf(what, sizeof what, "bias_gelu v%d %-4s %dx%d%s%s%s", version, dtype_name<T>(), k.rows, k.cols,
                      k.x_pad + k.y_pad > 0 ? " padded" : "", k.in_place ? " in place" : "",
                      k.with_bias ? "" : " no bias");
        ok &= validate_result(what, to_host(d_y, y_elems), expected, 2e-6f, dtype_eps<T>() + 8 * FLT_EPSILON);
        if (time_it) {
            // The timing shapes run out of place, so every launch sees the same input; in place moves the same bytes.
            const float ms = benchmark_kernel(50, [&] { launch<T>(version, p); });
            const double bytes = 2.0 * k.rows * k.cols * sizeof(T) + k.cols * sizeof(float);
            const double gbs = bytes / ms / 1e6;
            std::printf("  %.4f ms  %.0f GB/s  %.0f%% of the %.0f GB/s roofline\n", ms, gbs,
                        100 * gbs / peak_memory_gbs(), peak_memory_gbs());
        }
    }
    LAB_CHECK(cudaFree(d_x)); LAB_CHECK(cudaFree(d_bias));
    if (!k.in_place) LAB_CHECK(cudaFree(d_y));
    return ok;
}

template <typename T>
bool run_all_shapes() {
    bool ok = true;
    for (int rows : {1, 97, 1025}) {
        for (int cols : {1, 33, 320, 1279, 5120}) ok &= run<T>(Case{rows, cols}, false);
    }
    ok &= run<T>(Case{97, 33, 7, 3}, false);
    ok &= run<T>(Case{97, 1279, 5, 5, true}, false);
    ok &= run<T>(Case{1025, 320, 0, 0, true}, false);
    ok &= run<T>(Case{97, 1279, 0, 0, false, false}, false);
    return ok;
}

}  // namespace

int main() {
    bool ok = run_all_shapes<float>();
    ok &= run_all_shapes<__half>();
    ok &= run_all_shapes<__nv_bfloat16>();
    // The runtime's hidden activations are bf16; 64 x 512 tokens at the fc1 widths of 8M, 150M and 650M.
    for (int cols : {1280, 2560, 5120}) ok &= run<__nv_bfloat16>(Case{64 * 512, cols}, true);
    ok &= run<float>(Case{64 * 512, 1280}, true);
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
