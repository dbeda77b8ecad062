// Kernel lab: non-causal attention forward over packed variable-length batches (cu_seqlens).
// Versions:
//   1  naive: one thread per (query token, head), three passes over the keys in global memory (max, sum, P V). It
//      rounds where a plain low-precision implementation does (scores and probabilities to the input type, output
//      to the input type) and serves as the same-precision noise floor.
//   2  flash-style, production (attention/attention.cuh): bf16/fp16 on tensor cores (mma.sync m16n8k16, online fp32
//      softmax, K/V tiles double-buffered through shared memory), fp32 on CUDA cores.
// Correctness: both versions against an fp64 CPU reference computed from the same rounded inputs; the rule (as in
// FlashAttention's tests) is err(v2) <= 2 * err(v1) + atol for the output and the probabilities, over awkward packed
// batches (lengths 1, 2, 97, 1025 in one batch), every head_dim, bf16/fp16/fp32, contiguous q/k/v, q/k/v as strided
// views of a fused qkv buffer, and an odd head stride that forces the scalar load path.
// Timing: CUDA events with an L2 flush; TFLOP/s = 4 * sum(T_s^2) * heads * head_dim / time, on the ESM-2 shapes at
// 16k tokens per call (T = 512 and 1024), the shapes of docs/PERFORMANCE.md's SDPA table.
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/attention.cu -o lab_attention
// Run on a GPU: ./lab_attention   (validation, then timing; exit status 1 on any failure)
#include <algorithm>
#include <cstdint>
#include <tuple>

#include "../attention/attention.cuh"
#include "attention_validation.h"
#include "common.h"

namespace {

using namespace attention_lab;

// The production launcher for the runtime head_dim.
void run_production(const esm2j_attention_params &p) {
    switch (p.head_dim) {
        case 16: esm2j::attention::attention_forward<16>(p); break;
        case 24: esm2j::attention::attention_forward<24>(p); break;
        case 32: esm2j::attention::attention_forward<32>(p); break;
        case 64: esm2j::attention::attention_forward<64>(p); break;
        case 128: esm2j::attention::attention_forward<128>(p); break;
        default: std::fprintf(stderr, "no kernel for head_dim %lld\n", static_cast<long long>(p.head_dim)); std::exit(1);
    }
}

template <typename T>
bool validate_all() {
    bool ok = true;
    const std::vector<int> awkward = {1, 2, 97, 1025}, edges = {63, 64, 65, 5, 130};
    for (int hd : {16, 24, 32, 64, 128}) {
        ok &= validate<T>("packed", awkward, 2, hd, hd, false, 0, run_production);
        ok &= validate<T>("fused", edges, 3, hd, hd, true, 8, run_production);
        ok &= validate<T>("odd", {1, 97}, 2, hd, hd + 1, false, 0, run_production);  // odd head stride: scalar loads
    }
    ok &= validate<T>("one", {1}, 1, 64, 64, false, 0, run_production);
    return ok;
}

template <typename T>
void time_shape(const char *model, int heads, int hd, int length, int seqs) {
    const float scale = 1.f / std::sqrt(static_cast<float>(hd));
    Batch<T> batch(std::vector<int>(seqs, length), heads, hd, hd, false, 0, false, 5);
    const float naive_ms = benchmark_kernel(5, [&] { batch.run_naive(scale); });
    const float flash_ms = benchmark_kernel(20, [&] { batch.run_flash(scale, run_production); });
    std::printf("%-5s %-4s %2dx%-3d T=%-4d x%-3d  v1 %8.3f ms %6.1f TFLOP/s   v2 %7.3f ms %6.1f TFLOP/s\n",
                dtype_name<T>(), model, heads, hd, length, seqs, naive_ms, batch.flops() / naive_ms / 1e9, flash_ms,
                batch.flops() / flash_ms / 1e9);
}

template <typename T>
void time_all() {
    struct Model { const char *name; int heads, hd; };
    for (const Model &m : {Model{"8M", 20, 16}, Model{"35M", 20, 24}, Model{"150M", 20, 32}, Model{"650M", 20, 64},
                           Model{"3B", 40, 64}, Model{"15B", 40, 128}}) {
        time_shape<T>(m.name, m.heads, m.hd, 512, 32);
        time_shape<T>(m.name, m.heads, m.hd, 1024, 16);
    }
}

}  // namespace

int main() {
    bool ok = validate_all<__nv_bfloat16>();
    ok &= validate_all<__half>();
    ok &= validate_all<float>();
    std::printf("\ntiming (16k tokens per call; FLOPs = 4 * sum(T^2) * heads * head_dim)\n");
    time_all<__nv_bfloat16>();
    time_all<__half>();
    time_all<float>();
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
