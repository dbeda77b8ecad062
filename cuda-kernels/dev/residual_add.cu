// Kernel lab: residual += delta + bias, in place: the residual add after out_proj and fc2, where the residual stream
// may be kept in a wider dtype than the GEMM output (the CUDA runtime currently does this add inside the cuBLASLt
// epilogue of those GEMMs, fp32 output with beta = 1; this kernel is esm2j_residual_add_forward).
// Versions:
//   1  one block of 256 threads per row, threads striding over the columns -- production, residual_add.cuh
//   2  one thread per element of the flattened (rows, cols) range, grid-stride: no idle threads on narrow rows, but
//      a 64-bit division per element to find the row. For comparison only.
// Correctness: every version and all nine (residual, delta) dtype pairs of f32, f16, bf16 against an fp64 CPU
// reference of the same rounded inputs, over awkward shapes (1 or 97 or 1025 rows; 1, 33, 320, 1279, 5120 columns),
// padded row strides (the residual's padding must stay untouched) and without bias. Tolerance
// 2e-6 + |ref| * (eps(residual dtype) + 4 FLT_EPSILON): two fp32 additions, then one rounding to the residual dtype.
// Timing: CUDA events with an L2 flush; GB/s = (read + write residual, read delta) / time against the DRAM roofline,
// at 64 x 512 tokens for the widths of esm2_t6_8M (320), t33_650M (1280) and t36_3B (2560).
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build --target lab_residual_add
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/residual_add.cu -o lab_residual_add
// Run on a GPU: ./lab_residual_add   (validation, then timing; exit status 1 on any mismatch)
#include <algorithm>
#include <cfloat>
#include <cstdint>

#include "../residual_add.cuh"
#include "common.h"

namespace {

// --- version 2: one thread per element ----------------------------------------------------------------------------

constexpr int kFlatThreads = 256;

template <typename TRes, typename TDelta>
__global__ void __launch_bounds__(kFlatThreads)
residual_add_flat_kernel(TRes *residual, const TDelta *__restrict__ delta, const float *__restrict__ bias,
                         int64_t rows, int cols, int64_t residual_row_stride, int64_t delta_row_stride) {
    const int64_t n = rows * cols, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
        const int64_t r = i / cols;
        const int c = static_cast<int>(i - r * cols);
        float d = esm2j::to_float(delta[r * delta_row_stride + c]);
        if (bias != nullptr) d += bias[c];
        TRes &out = residual[r * residual_row_stride + c];
        out = esm2j::from_float<TRes>(esm2j::to_float(out) + d);
    }
}

template <typename TRes, typename TDelta>
void launch(int version, const esm2j_residual_add_params &p) {
    if (version == 1) {
        esm2j::residual_add_forward<TRes, TDelta>(p);
        return;
    }
    const int64_t blocks = std::min<int64_t>(esm2j::ceil_div(p.rows * p.cols, kFlatThreads), 1 << 16);
    residual_add_flat_kernel<TRes, TDelta><<<static_cast<unsigned>(blocks), kFlatThreads, 0, p.stream>>>(
        static_cast<TRes *>(p.residual), static_cast<const TDelta *>(p.delta), p.bias, p.rows,
        static_cast<int>(p.cols), p.residual_row_stride, p.delta_row_stride);
}

// --- reference and driver -----------------------------------------------------------------------------------------

struct Case {
    int rows, cols;
    int residual_pad = 0, delta_pad = 0;  // elements after each row's cols, making the row stride cols + pad
    bool with_bias = true;
};

template <typename TRes, typename TDelta>
bool run(const Case &k, bool time_it) {
    const int64_t rs = k.cols + k.residual_pad, ds = k.cols + k.delta_pad;
    const size_t r_elems = static_cast<size_t>(k.rows) * rs, d_elems = static_cast<size_t>(k.rows) * ds;
    // A residual stream a few times larger than the update, as between transformer layers; sums may cancel.
    const std::vector<float> r_values = uniform_floats(r_elems, 4.f, 1), d_values = uniform_floats(d_elems, 1.f, 2);
    const std::vector<float> bias = random_floats(k.cols, 0.1f, 3);
    std::vector<TRes> residual_host(r_elems);
    std::vector<TDelta> delta_host(d_elems);
    for (size_t i = 0; i < r_elems; ++i) residual_host[i] = narrow<TRes>(r_values[i]);
    for (size_t i = 0; i < d_elems; ++i) delta_host[i] = narrow<TDelta>(d_values[i]);

    // Expected contents of the whole residual buffer: the sums over cols, the padding as it was.
    std::vector<float> expected(r_elems);
    for (int64_t r = 0; r < k.rows; ++r) {
        for (int64_t c = 0; c < rs; ++c) {
            const double old = as_float(residual_host[r * rs + c]);
            expected[r * rs + c] =
                c < k.cols ? static_cast<float>(old + as_float(delta_host[r * ds + c]) +
                                                (k.with_bias ? static_cast<double>(bias[c]) : 0.0))
                           : static_cast<float>(old);
        }
    }

    TRes *d_residual = to_device(residual_host);
    TDelta *d_delta = to_device(delta_host);
    float *d_bias = to_device(bias);
    esm2j_residual_add_params p{};
    p.residual = d_residual; p.delta = d_delta; p.bias = k.with_bias ? d_bias : nullptr;
    p.rows = k.rows; p.cols = k.cols; p.residual_row_stride = rs; p.delta_row_stride = ds;
    p.residual_dtype = dtype_code<TRes>(); p.delta_dtype = dtype_code<TDelta>();

    bool ok = true;
    for (int version : {1, 2}) {
        // In place: every version starts from the original residual.
        LAB_CHECK(cudaMemcpy(d_residual, residual_host.data(), r_elems * sizeof(TRes), cudaMemcpyHostToDevice));
        launch<TRes, TDelta>(version, p);
        LAB_CHECK(cudaGetLastError());
        char what[112];
        std::snprintf(what, sizeof what, "residual_add v%d %-4s += %-4s %dx%d%s%s", version, dtype_name<TRes>(),
                      dtype_name<TDelta>(), k.rows, k.cols, k.residual_pad + k.delta_pad > 0 ? " padded" : "",
                      k.with_bias ? "" : " no bias");
        ok &= validate_result(what, to_host(d_residual, r_elems), expected, 2e-6f,
                              dtype_eps<TRes>() + 4 * FLT_EPSILON);
        if (time_it) {
            // Each timed launch adds delta once more: the values drift by 50 x |delta| at most, far from overflow.
            const float ms = benchmark_kernel(50, [&] { launch<TRes, TDelta>(version, p); });
            const double bytes = static_cast<double>(k.rows) * k.cols * (2 * sizeof(TRes) + sizeof(TDelta)) +
                                 k.cols * sizeof(float);
            const double gbs = bytes / ms / 1e6;
            std::printf("  %.4f ms  %.0f GB/s  %.0f%% of the %.0f GB/s roofline\n", ms, gbs,
                        100 * gbs / peak_memory_gbs(), peak_memory_gbs());
        }
    }
    LAB_CHECK(cudaFree(d_residual)); LAB_CHECK(cudaFree(d_delta)); LAB_CHECK(cudaFree(d_bias));
    return ok;
}

template <typename TRes, typename TDelta>
bool run_all_shapes() {
    bool ok = true;
    for (int rows : {1, 97, 1025}) {
        for (int cols : {1, 33, 320, 1279, 5120}) ok &= run<TRes, TDelta>(Case{rows, cols}, false);
    }
    ok &= run<TRes, TDelta>(Case{97, 33, 7, 3}, false);
    ok &= run<TRes, TDelta>(Case{1025, 1279, 1, 0}, false);
    ok &= run<TRes, TDelta>(Case{97, 320, 0, 0, false}, false);
    return ok;
}

template <typename TRes>
bool run_every_delta_dtype() {
    bool ok = run_all_shapes<TRes, float>();
    ok &= run_all_shapes<TRes, __half>();
    ok &= run_all_shapes<TRes, __nv_bfloat16>();
    return ok;
}

}  // namespace

int main() {
    bool ok = run_every_delta_dtype<float>();
    ok &= run_every_delta_dtype<__half>();
    ok &= run_every_delta_dtype<__nv_bfloat16>();
    // 64 x 512 tokens: fp32 residual stream += bf16 GEMM output (the runtime's pairing), all-fp32, all-bf16.
    for (int cols : {320, 1280, 2560}) {
        ok &= run<float, __nv_bfloat16>(Case{64 * 512, cols}, true);
        ok &= run<float, float>(Case{64 * 512, cols}, true);
        ok &= run<__nv_bfloat16, __nv_bfloat16>(Case{64 * 512, cols}, true);
    }
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
