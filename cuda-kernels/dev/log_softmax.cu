// Kernel lab: row-wise log-softmax (the LM head's log-probabilities).
// Versions:
//   1  naive: one thread per row, three sequential passes (max, sum of exp, write) in fp32; the same-precision noise
//      floor.
//   2  one warp per row, production (log_softmax.cuh): rows of up to 128 columns cached in registers and read once,
//      wider rows streamed three times through L1; warp-shuffle max and sum.
// Correctness: both against an fp64 CPU reference; rule err(v2) <= 2 * err(v1) + atol, and every element within
// atol + |ref| * 4 FLT_EPSILON, over awkward shapes (1, 97, 1025 rows; 1, 33, 64, 100, 1000 columns; padded row
// strides; out aliasing x). Logits are drawn at the scale of ESM-2's (standard deviation 4, a few large outliers).
// Timing: CUDA events with an L2 flush; GB/s = rows * cols * 8 bytes (one fp32 read, one write) / time, at 64 x 512
// and 10^6 rows of 33 columns with the runtime's row stride of 40.
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/log_softmax.cu -o lab_log_softmax
// Run on a GPU: ./lab_log_softmax   (validation, then timing; exit status 1 on any failure)
#include <algorithm>

#include "../log_softmax.cuh"
#include "common.h"

namespace {

// --- version 1: naive -------------------------------------------------------------------------------------------
__global__ void log_softmax_naive_kernel(const float *x, float *out, int rows, int cols, int64_t x_row_stride,
                                         int64_t out_row_stride) {
    const int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows) return;
    const float *xr = x + row * x_row_stride;
    float max = -INFINITY;
    for (int c = 0; c < cols; ++c) max = fmaxf(max, xr[c]);
    float sum = 0.f;
    for (int c = 0; c < cols; ++c) sum += expf(xr[c] - max);
    const float log_sum = logf(sum);
    float *outr = out + row * out_row_stride;
    for (int c = 0; c < cols; ++c) outr[c] = (xr[c] - max) - log_sum;
}

// fp64 reference, compact (rows, cols).
std::vector<float> reference(const std::vector<float> &x, int rows, int cols, int64_t stride) {
    std::vector<float> out(static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r) {
        const float *xr = &x[r * stride];
        double max = -INFINITY, sum = 0;
        for (int c = 0; c < cols; ++c) max = std::max(max, static_cast<double>(xr[c]));
        for (int c = 0; c < cols; ++c) sum += std::exp(xr[c] - max);
        for (int c = 0; c < cols; ++c) out[static_cast<size_t>(r) * cols + c] = xr[c] - max - std::log(sum);
    }
    return out;
}

std::vector<float> compact(const std::vector<float> &strided, int rows, int cols, int64_t stride) {
    std::vector<float> out(static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r) {
        std::copy_n(&strided[r * stride], cols, &out[static_cast<size_t>(r) * cols]);
    }
    return out;
}

double max_abs_error(const std::vector<float> &a, const std::vector<float> &ref) {
    double e = 0;
    for (size_t i = 0; i < ref.size(); ++i) e = std::max(e, std::fabs(static_cast<double>(a[i]) - ref[i]));
    return e;
}

bool run(int rows, int cols, int64_t stride, bool in_place, bool time_it) {
    std::vector<float> x = random_floats(static_cast<size_t>(rows) * stride, 4.f, 7);
    for (size_t i = 0; i < x.size(); i += 97) x[i] += 25.f;  // confident predictions: one dominant column
    const std::vector<float> ref = reference(x, rows, cols, stride);

    float *d_x = to_device(x);
    float *d_naive = nullptr, *d_out = nullptr;
    LAB_CHECK(cudaMalloc(&d_naive, x.size() * sizeof(float)));
    LAB_CHECK(cudaMalloc(&d_out, x.size() * sizeof(float)));
    log_softmax_naive_kernel<<<static_cast<unsigned>((rows + 127) / 128), 128>>>(d_x, d_naive, rows, cols, stride,
                                                                                stride);
    LAB_CHECK(cudaGetLastError());
    const std::vector<float> naive = compact(to_host(d_naive, x.size()), rows, cols, stride);

    esm2j_log_softmax_params p{};
    p.x = d_x;
    p.out = in_place ? d_x : d_out;
    p.rows = rows; p.cols = cols; p.x_row_stride = stride; p.out_row_stride = stride;
    esm2j::log_softmax_forward(p);
    LAB_CHECK(cudaGetLastError());
    const std::vector<float> actual = compact(to_host(in_place ? d_x : d_out, x.size()), rows, cols, stride);

    char what[96];
    std::snprintf(what, sizeof what, "log_softmax v2 %dx%d stride %lld%s", rows, cols, static_cast<long long>(stride),
                  in_place ? " in place" : "");
    // Worst case of the fp32 sum of up to 32 exp terms per lane, through log: ~2e-6 absolute.
    const float atol = 4e-6f;
    bool ok = validate_result(what, actual, ref, atol, 4 * dtype_eps<float>());
    const double err_v1 = max_abs_error(naive, ref), err_v2 = max_abs_error(actual, ref);
    const bool floor_ok = err_v2 <= 2 * err_v1 + atol;
    std::printf("  err v2 %.3e vs 2 x err v1 %.3e + atol: %s\n", err_v2, 2 * err_v1, floor_ok ? "OK" : "FAILED");
    ok &= floor_ok;

    if (time_it && !in_place) {
        const double bytes = static_cast<double>(rows) * cols * 2 * sizeof(float);
        const float ms_v1 = benchmark_kernel(50, [&] {
            log_softmax_naive_kernel<<<static_cast<unsigned>((rows + 127) / 128), 128>>>(d_x, d_naive, rows, cols,
                                                                                        stride, stride);
        });
        const float ms_v2 = benchmark_kernel(50, [&] { esm2j::log_softmax_forward(p); });
        std::printf("  v1 %.4f ms  %.0f GB/s   v2 %.4f ms  %.0f GB/s\n", ms_v1, bytes / ms_v1 / 1e6, ms_v2,
                    bytes / ms_v2 / 1e6);
    }
    LAB_CHECK(cudaFree(d_x));
    LAB_CHECK(cudaFree(d_naive));
    LAB_CHECK(cudaFree(d_out));
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    for (int rows : {1, 97, 1025}) {
        for (int cols : {1, 33, 64, 100, 1000}) {
            ok &= run(rows, cols, cols, false, false);
            ok &= run(rows, cols, cols + 7, false, false);  // padded rows, as the runtime's logits (33 of 40)
            ok &= run(rows, cols, cols, true, false);
        }
    }
    // The runtime's shapes: 64 x 512 tokens and 10^6 tokens, 33 columns of a 40-column row.
    ok &= run(64 * 512, 33, 40, false, true);
    ok &= run(1000000, 33, 40, false, true);
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
