// Emulator stand-in for the toolkit's cuda_bf16.h: bfloat16 storage with the conversions the kernels use, rounding to
// nearest even as the device's __float2bfloat16_rn does (NaN stays NaN).
#pragma once

#include <cuda_fp16.h>

struct __nv_bfloat16 {
    uint16_t __x;
};
struct __nv_bfloat162 {
    __nv_bfloat16 x, y;
};

inline __nv_bfloat16 __float2bfloat16_rn(float v) {
    const uint32_t u = esm2j_emu::float_bits(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) return __nv_bfloat16{static_cast<uint16_t>((u >> 16) | 0x40u)};
    return __nv_bfloat16{static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16)};
}
inline float __bfloat162float(__nv_bfloat16 v) { return esm2j_emu::bits_float(static_cast<uint32_t>(v.__x) << 16); }
inline __nv_bfloat162 __floats2bfloat162_rn(float lo, float hi) {
    return {__float2bfloat16_rn(lo), __float2bfloat16_rn(hi)};
}
inline float2 __bfloat1622float2(__nv_bfloat162 v) { return {__bfloat162float(v.x), __bfloat162float(v.y)}; }
