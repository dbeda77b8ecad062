// Kernel lab: QKV epilogue (bias + q scaling + half-split rotary) over a packed varlen batch.
// Versions:
//   1  one block per token, one thread per rotation pair -- production, qkv_epilogue.cuh
// Correctness: (input, output) dtypes f32->f32, f32->bf16 and the CUDA runtime's own bf16->bf16 (f16->f16 under
// -Desm2j.cuda.dtype=fp16), whose input is the QKV GEMM's output, against an fp64 CPU reference of the same inputs
// rounded to the input dtype, over awkward shapes (one token; lengths 97, 1, 1025 in one batch; head dims 16, 24, 64,
// 128). Two checks per output tensor: every element within 2e-4 + |ref| * (2 eps(out) + 1e-5), and the noise-floor
// rule err(kernel) <= 2 * err(naive) + 2e-4, where naive is a plain fp32 CPU implementation (fp32 theta, sin/cos,
// bias, scale and rotation, then one rounding to the output dtype); with an f32 output the 2e-4 dominates that rule,
// with a 16-bit one the rounding (up to ~1.6e-2 in bf16) does.
// Timing: CUDA events with an L2 flush; GB/s = (read qkv + write q, k, v) / time, bf16->bf16 as the runtime runs it,
// at 64 x 512 tokens with 20 heads of 16, 32, 64 dims.
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
// Run on a GPU: ./lab_qkv_epilogue   (validation, then timing; exit status 1 on any failure)
#include <algorithm>

#include "../qkv_epilogue.cuh"
#include "common.h"
#include "qkv_epilogue_validation.h"

namespace {

using namespace qkv_lab;

// The production launcher, for the lab's run().
template <typename TIn, typename TOut>
bool run(const Shape &shape, bool time_it) {
    return qkv_lab::run<TIn, TOut>(shape, time_it,
                                   [](const esm2j_qkv_epilogue_params &p) { esm2j::qkv_epilogue_forward<TIn, TOut>(p); });
}

}  // namespace

int main() {
    bool ok = true;
    for (const Shape &s : {Shape{{1}, 2, 16}, Shape{{97, 1, 1025}, 20, 16}, Shape{{5, 300}, 20, 24},
                           Shape{{1025}, 20, 64}, Shape{{64, 33}, 40, 128}}) {
        ok &= run<float, float>(s, false);
        ok &= run<float, __nv_bfloat16>(s, false);
        ok &= run<__nv_bfloat16, __nv_bfloat16>(s, false);
        ok &= run<__half, __half>(s, false);
    }
    for (int hd : {16, 32, 64}) {
        ok &= run<__nv_bfloat16, __nv_bfloat16>(Shape{std::vector<int>(64, 512), 20, hd}, true);
    }
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
