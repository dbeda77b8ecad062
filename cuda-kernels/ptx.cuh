// Every inline-PTX instruction the kernels use, behind one small wrapper each: the kernels call only these, so this is
// the one file to read for the asm constraints, and the one place the CPU emulator (emu/, ESM2J_EMULATE) replaces with
// its per-lane implementations of the same PTX ISA semantics.
//
// "memory" clobbers: an asm that reads or writes memory the compiler cannot see through its operands must say so, or
// the compiler may keep values in registers across it or move ordinary loads and stores over it. cp.async writes
// shared memory (and commit/wait order those writes against later ordinary reads); ldmatrix reads shared memory
// written by ordinary stores. mma.sync touches registers only and has no clobber.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#ifdef ESM2J_EMULATE
#include "emu/device.h"
#endif

namespace esm2j {
namespace ptx {

#ifndef ESM2J_EMULATE
// The 32-bit shared-state-space address of a generic pointer into shared memory, as the .shared operands want it.
__device__ __forceinline__ uint32_t shared_address(const void *p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
#endif

// --- tensor cores -----------------------------------------------------------------------------------------------
// d += a b for one m16n8k16 tile: A 16x16 row-major, B 16x8 column-major fragments, fp32 accumulators, with the
// per-lane fragment layout of the PTX ISA ("Matrix Fragments for mma.m16n8k16 with floating point type").
__device__ __forceinline__ void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1,
                                             __nv_bfloat16) {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::mma_m16n8k16(d, a, b0, b1, ::esm2j_emu::MmaType::kBf16);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

__device__ __forceinline__ void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1,
                                             __half) {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::mma_m16n8k16(d, a, b0, b1, ::esm2j_emu::MmaType::kF16);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

// Four 8x8 b16 matrices from shared memory: lanes 8i..8i+7 give the 16-byte row addresses of matrix i, and r[i]
// receives this lane's fragment of matrix i (row lane / 4, elements 2 (lane % 4) and + 1).
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void *shared_row) {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::ldmatrix_x4(r, shared_row, false);
#else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(shared_address(shared_row))
                 : "memory");
#endif
}

// The same with each 8x8 matrix transposed on the way (.trans).
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void *shared_row) {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::ldmatrix_x4(r, shared_row, true);
#else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(shared_address(shared_row))
                 : "memory");
#endif
}

// --- asynchronous copies ------------------------------------------------------------------------------------------
// 16 bytes global -> shared, cached in L2 only (.cg); the first src_bytes (0 or 16) are read, the rest of the 16 are
// zero-filled. The data may land at any time up to the cp_async_wait that covers its group.
__device__ __forceinline__ void cp_async_16(void *shared_dst, const void *global_src, int src_bytes) {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::cp_async(shared_dst, global_src, 16, src_bytes);
#else
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(shared_dst)),
                 "l"(global_src), "r"(src_bytes)
                 : "memory");
#endif
}

// Closes the group of this thread's cp.async issued since the previous commit.
__device__ __forceinline__ void cp_async_commit() {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::cp_async_commit();
#else
    asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

// Waits until at most `Pending` of this thread's committed groups are still in flight.
template <int Pending>
__device__ __forceinline__ void cp_async_wait() {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::cp_async_wait(Pending);
#else
    asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
#endif
}

// Waits for every cp.async of this thread, committed or not.
__device__ __forceinline__ void cp_async_wait_all() {
#ifdef ESM2J_EMULATE
    ::esm2j_emu::cp_async_wait(-1);
#else
    asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}

}  // namespace ptx
}  // namespace esm2j
