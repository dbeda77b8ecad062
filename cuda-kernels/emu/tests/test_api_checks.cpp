// The entry points' argument checks that need device memory to exercise: partial overlaps of an in-place output
// (rejected, naming the arrays) while an exact alias still runs, matmul's y alignment, and an error left pending by
// earlier work, reported as such instead of being blamed on the next launch.
#include <cstring>

#include "harness.h"
#include "launch.cuh"

namespace {

__global__ void noop_kernel() {}

bool expect_status(const char *what, int status, int expected, const char *message_part) {
    const bool ok = status == expected && (message_part == nullptr || std::strstr(esm2j_last_error(), message_part));
    std::printf("%-52s %s  (%d: %s)\n", what, ok ? "OK" : "FAILED", status, status == 0 ? "" : esm2j_last_error());
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    DeviceBuffer<float> buffer(std::vector<float>(64, 1.f)), gamma(std::vector<float>(8, 1.f)),
        beta(std::vector<float>(8, 0.f));

    esm2j_layer_norm_params ln{};
    ln.x = buffer.data;
    ln.y = buffer.data + 1;  // rows of 8 shifted by one element: overlaps x without being x
    ln.gamma = gamma.data;
    ln.beta = beta.data;
    ln.rows = 4;
    ln.dim = 8;
    ln.x_row_stride = 8;
    ln.y_row_stride = 8;
    ln.eps = 1e-5f;
    ln.x_dtype = ln.y_dtype = ESM2J_DTYPE_F32;
    ok &= expect_status("layer_norm: y overlapping x partially", esm2j_layer_norm_forward(&ln),
                        ESM2J_ERROR_INVALID_ARGUMENT, "overlaps");
    ln.y = buffer.data + 32;  // right after x's last row
    ok &= expect_status("layer_norm: y right after x", esm2j_layer_norm_forward(&ln), ESM2J_OK, nullptr);
    ln.y = buffer.data;
    ok &= expect_status("layer_norm: y == x (in place)", esm2j_layer_norm_forward(&ln), ESM2J_OK, nullptr);

    esm2j_bias_gelu_params g{};
    g.x = buffer.data;
    g.y = buffer.data + 7;
    g.rows = 2;
    g.cols = 8;
    g.x_row_stride = g.y_row_stride = 8;
    g.dtype = ESM2J_DTYPE_F32;
    ok &= expect_status("bias_gelu: y overlapping x partially", esm2j_bias_gelu_forward(&g),
                        ESM2J_ERROR_INVALID_ARGUMENT, "overlaps");

    esm2j_log_softmax_params s{};
    s.x = buffer.data + 16;
    s.out = buffer.data + 8;
    s.rows = 2;
    s.cols = 8;
    s.x_row_stride = s.out_row_stride = 8;
    ok &= expect_status("log_softmax: out overlapping x partially", esm2j_log_softmax_forward(&s),
                        ESM2J_ERROR_INVALID_ARGUMENT, "overlaps");

    DeviceBuffer<__nv_bfloat16> x(std::vector<__nv_bfloat16>(16 * 8)), w(std::vector<__nv_bfloat16>(8 * 8)),
        y(std::vector<__nv_bfloat16>(16 * 8 + 1));
    esm2j_matmul_params m{};
    m.x = x.data;
    m.w = w.data;
    m.y = reinterpret_cast<char *>(y.data) + 1;  // a bf16 y at an odd byte address
    m.rows = 16;
    m.in = 8;
    m.out = 8;
    m.x_row_stride = m.w_row_stride = m.y_row_stride = 8;
    m.in_dtype = m.y_dtype = ESM2J_DTYPE_BF16;
    ok &= expect_status("matmul: y not aligned to its elements", esm2j_matmul_forward(&m),
                        ESM2J_ERROR_INVALID_ARGUMENT, "aligned");

    // A failed launch leaves cudaErrorInvalidConfiguration pending; the next entry point reports it as earlier work.
    esm2j::launch_kernel(noop_kernel, 1, 2048, 0, nullptr);
    ok &= expect_status("error pending before a launch", esm2j_layer_norm_forward(&ln), ESM2J_ERROR_CUDA,
                        "pending from earlier");
    (void)cudaGetLastError();
    ok &= expect_status("the next call, with nothing pending", esm2j_layer_norm_forward(&ln), ESM2J_OK, nullptr);
    return finish(ok);
}
