// Random fill for benchmark weights: x[i] = uniform(-scale, scale) from a counter-based hash of (seed, i), so that
// every element is computed independently (any grid, any count) and the values do not depend on the launch.
//
// The hash is SplitMix64 (Steele, Lea, Flood 2014): the i-th output of a generator seeded with `seed` is
// mix64(seed + (i + 1) * 0x9E3779B97F4A7C15) with Stafford's "variant 13" finaliser, the same sequence as
// java.util.SplittableRandom(seed).nextLong(), which the tests use as the reference. The top 23 bits k of the hash
// give u = (k + 0.5) * 2^-22 - 1, an exact fp32 value on a symmetric grid strictly inside (-1, 1) (mean exactly 0);
// x = scale * u is rounded once to fp32 and then once to the output dtype.
#pragma once

#include <cstdint>

#include "common.cuh"
#include "esm2j_cuda.h"

namespace esm2j {

constexpr int kFillThreads = 256;
// Enough resident blocks to saturate memory bandwidth on any current GPU; the grid-stride loop covers the rest.
constexpr int64_t kFillMaxBlocks = 8192;

constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;

__device__ __forceinline__ uint64_t splitmix64(uint64_t seed, uint64_t index) {
    uint64_t z = seed + (index + 1) * kSplitMixGamma;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__device__ __forceinline__ float uniform_symmetric(uint64_t hash, float scale) {
    const float k = static_cast<float>(hash >> 41);  // 23 bits: exact in fp32, and so is k + 0.5
    const float u = fmaf(k + 0.5f, 0x1p-22f, -1.0f);  // exact: a multiple of 2^-23 inside (-1, 1)
    return scale * u;
}

template <typename T>
__global__ void __launch_bounds__(kFillThreads)
fill_random_kernel(T *__restrict__ x, int64_t count, uint64_t seed, float scale) {
    // 64-bit indices: one call may fill more than 2^31 elements (a whole parameter arena, not just one tensor).
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        x[i] = from_float<T>(uniform_symmetric(splitmix64(seed, static_cast<uint64_t>(i)), scale));
    }
}

template <typename T>
void fill_random(const esm2j_fill_random_params &p) {
    const int64_t blocks = ceil_div(p.count, kFillThreads) < kFillMaxBlocks ? ceil_div(p.count, kFillThreads)
                                                                             : kFillMaxBlocks;
    launch_kernel(fill_random_kernel<T>, static_cast<unsigned>(blocks), kFillThreads, 0, p.stream,
        static_cast<T *>(p.x), p.count, p.seed, p.scale);
}

}  // namespace esm2j
