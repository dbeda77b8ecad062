// Kernel lab support: CUDA checks that abort (lab programs only; the library never exits), tolerance checks in the
// form atol + |ref| * eps(dtype) with max abs / max rel / % of allowed error, and CUDA-event timing with an L2 flush.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "esm2j_cuda.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define LAB_CHECK(call)                                                                                    \
    do {                                                                                                   \
        cudaError_t lab_error_ = (call);                                                                   \
        if (lab_error_ != cudaSuccess) {                                                                   \
            std::fprintf(stderr, "%s: %s at %s:%d\n", cudaGetErrorName(lab_error_),                        \
                         cudaGetErrorString(lab_error_), __FILE__, __LINE__);                              \
            std::exit(1);                                                                                  \
        }                                                                                                  \
    } while (0)

template <typename T>
T *to_device(const std::vector<T> &host) {
    T *device = nullptr;
    LAB_CHECK(cudaMalloc(&device, host.size() * sizeof(T)));
    LAB_CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return device;
}

template <typename T>
std::vector<T> to_host(const T *device, size_t n) {
    std::vector<T> host(n);
    LAB_CHECK(cudaMemcpy(host.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
}

inline std::vector<float> random_floats(size_t n, float scale, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, scale);
    std::vector<float> v(n);
    for (auto &x : v) x = normal(rng);
    return v;
}

// Uniform values in [-scale, scale) from a counter-based hash (splitmix64): about 1 ns per value where random_floats'
// mt19937 + normal takes about 25, which matters for the hundreds of millions of inputs of the timing shapes.
inline std::vector<float> uniform_floats(size_t n, float scale, unsigned seed) {
    std::vector<float> v(n);
    uint64_t counter = 0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(seed) + 1);
    for (auto &x : v) {
        uint64_t z = (counter += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        x = scale * (static_cast<float>(z >> 40) * 0x1p-23f - 1.f);  // 24 random bits -> [0, 2) -> [-1, 1)
    }
    return v;
}

// Peak DRAM bandwidth of device 0 in GB/s, the roofline of memory-bound kernels: two transfers per memory clock
// (DDR) over the bus width (H100 SXM: 2 x 2619 MHz x 5120 bit = 3.35 TB/s).
inline double peak_memory_gbs() {
    int clock_khz = 0, bus_bits = 0;
    LAB_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, 0));
    LAB_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0));
    return 2.0 * clock_khz * 1e3 * (bus_bits / 8) / 1e9;
}

inline float as_float(float v) { return v; }
inline float as_float(__nv_bfloat16 v) { return __bfloat162float(v); }
inline float as_float(__half v) { return __half2float(v); }

// Relative epsilon of an output type: fp32 FLT_EPSILON, bf16 2^-8 (half an ulp at 8 mantissa bits), fp16 2^-11.
// Host-side rounding into a lab's element type, and its name and esm2j_dtype code for messages and param structs.
template <typename T> T narrow(float v);
template <> inline float narrow<float>(float v) { return v; }
template <> inline __half narrow<__half>(float v) { return __float2half_rn(v); }
template <> inline __nv_bfloat16 narrow<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <typename T> constexpr const char *dtype_name();
template <> constexpr const char *dtype_name<float>() { return "f32"; }
template <> constexpr const char *dtype_name<__half>() { return "f16"; }
template <> constexpr const char *dtype_name<__nv_bfloat16>() { return "bf16"; }
template <typename T> constexpr int32_t dtype_code();
template <> constexpr int32_t dtype_code<float>() { return ESM2J_DTYPE_F32; }
template <> constexpr int32_t dtype_code<__half>() { return ESM2J_DTYPE_F16; }
template <> constexpr int32_t dtype_code<__nv_bfloat16>() { return ESM2J_DTYPE_BF16; }

template <typename T> constexpr float dtype_eps();
template <> constexpr float dtype_eps<float>() { return 1.2e-7f; }
template <> constexpr float dtype_eps<__nv_bfloat16>() { return 1.f / 256; }
template <> constexpr float dtype_eps<__half>() { return 1.f / 2048; }

// Compares every element against |ref| * rel_tol + atol; prints the summary; returns whether all passed.
template <typename T>
bool validate_result(const char *what, const std::vector<T> &actual, const std::vector<float> &ref, float atol,
                     float rel_tol) {
    double max_abs = 0, max_rel = 0, max_fraction = 0;
    size_t failures = 0, first_failure = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double a = as_float(actual[i]), r = ref[i];
        const double diff = std::fabs(a - r), allowed = atol + std::fabs(r) * rel_tol;
        max_abs = std::fmax(max_abs, diff);
        if (r != 0) max_rel = std::fmax(max_rel, diff / std::fabs(r));
        max_fraction = std::fmax(max_fraction, diff / allowed);
        if (!(diff <= allowed)) {
            if (failures++ == 0) first_failure = i;
        }
    }
    std::printf("%-40s max abs %.3e  max rel %.3e  %.1f%% of allowed  %s\n", what, max_abs, max_rel,
                100 * max_fraction, failures == 0 ? "OK" : "FAILED");
    if (failures != 0) {
        std::printf("  %zu mismatches, first at %zu: got %.8g, expected %.8g\n", failures, first_failure,
                    as_float(actual[first_failure]), ref[first_failure]);
    }
    return failures == 0;
}

// Mean milliseconds per launch over `repeats`, flushing L2 before each so memory-bound kernels read from HBM.
template <typename Launch>
float benchmark_kernel(int repeats, Launch &&launch) {
    int l2_bytes = 0;
    LAB_CHECK(cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, 0));
    char *flush = nullptr;
    LAB_CHECK(cudaMalloc(&flush, 2 * static_cast<size_t>(l2_bytes)));
    cudaEvent_t start, stop;
    LAB_CHECK(cudaEventCreate(&start));
    LAB_CHECK(cudaEventCreate(&stop));
    float total_ms = 0;
    launch();  // warm-up
    for (int i = 0; i < repeats; ++i) {
        LAB_CHECK(cudaMemset(flush, i, 2 * static_cast<size_t>(l2_bytes)));
        LAB_CHECK(cudaEventRecord(start));
        launch();
        LAB_CHECK(cudaEventRecord(stop));
        LAB_CHECK(cudaEventSynchronize(stop));
        float ms = 0;
        LAB_CHECK(cudaEventElapsedTime(&ms, start, stop));
        total_ms += ms;
    }
    LAB_CHECK(cudaGetLastError());
    LAB_CHECK(cudaFree(flush));
    LAB_CHECK(cudaEventDestroy(start));
    LAB_CHECK(cudaEventDestroy(stop));
    return total_ms / repeats;
}
