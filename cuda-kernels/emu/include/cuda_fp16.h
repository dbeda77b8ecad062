// Emulator stand-in for the toolkit's cuda_fp16.h: IEEE binary16 storage with the conversions the kernels use,
// rounding to nearest even as the device's __float2half_rn does (subnormals kept, overflow to infinity).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstring>

struct __half {
    uint16_t __x;
};
struct __half2 {
    __half x, y;
};

namespace esm2j_emu {
inline uint32_t float_bits(float v) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    return u;
}
inline float bits_float(uint32_t u) {
    float v;
    std::memcpy(&v, &u, sizeof v);
    return v;
}
uint16_t float_to_half_bits(float v);
float half_bits_to_float(uint16_t h);
}  // namespace esm2j_emu

inline __half __float2half_rn(float v) { return __half{esm2j_emu::float_to_half_bits(v)}; }
inline float __half2float(__half h) { return esm2j_emu::half_bits_to_float(h.__x); }
inline __half2 __floats2half2_rn(float lo, float hi) { return {__float2half_rn(lo), __float2half_rn(hi)}; }
inline float2 __half22float2(__half2 v) { return {__half2float(v.x), __half2float(v.y)}; }
