// The emulator's own checks, each provoked by a small faulty kernel: a fault must abort with a message naming it
// (run in a forked child), and the launch limits must come back through cudaGetLastError as on a device. Also the
// late landing of cp.async: without its wait_group a thread reads the NaN fill, with it the data.
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "harness.h"
#include "launch.cuh"
#include "ptx.cuh"

namespace {

__global__ void divergent_barrier_kernel() {
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        __syncthreads();
    }
}

__global__ void exited_barrier_kernel() {
    if (threadIdx.x == 5) return;
    __syncthreads();
}

__global__ void exited_lane_kernel(float *out) {
    if (threadIdx.x == 3) return;
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
}

__global__ void diverged_warp_kernel(float *out) {
    float v = 1.f;
    if (threadIdx.x < 16) {
        v = __shfl_xor_sync(0xffffffffu, v, 1);
    } else {
        v = __shfl_xor_sync(0xffffffffu, v, 2);
    }
    out[threadIdx.x] = v;
}

__global__ void deadlock_kernel(float *out) {
    // Half of the only warp waits at the block barrier, the other half at a shuffle that needs the first half.
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
    }
}

__global__ void spin_kernel(volatile int *flag) {
    while (*flag == 0) {
    }
}

__global__ void read_kernel(const float *in, float *out, int index) { out[threadIdx.x] = in[index]; }

__global__ void write_kernel(float *out, int index) {
    if (threadIdx.x == 0) out[index] = 1.f;
}

__global__ void dynamic_kernel(float *out) { out[threadIdx.x] = esm2j::dynamic_shared_memory<float>()[threadIdx.x]; }

// Copies 4 floats into shared memory with cp.async and reads them back, waiting for the copy or not.
__global__ void cp_async_kernel(const float *in, float *out, int wait) {
    __shared__ __align__(16) float tile[4];
    if (threadIdx.x == 0) {
        esm2j::ptx::cp_async_16(tile, in, 16);
        esm2j::ptx::cp_async_commit();
        if (wait) esm2j::ptx::cp_async_wait<0>();
        for (int i = 0; i < 4; ++i) out[i] = tile[i];
    }
}

// Runs body in a child process; passes when the child aborts and its stderr contains `expected` (or `alternative`,
// a sanitizer's report of the same fault).
bool expect_fault(const char *name, const char *expected, const char *alternative, void (*body)()) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return false;
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], 2);
        close(pipe_fds[0]);
        setenv("ESM2J_EMU_WATCHDOG_SECONDS", "5", 1);
        body();
        cudaDeviceSynchronize();
        _exit(0);
    }
    close(pipe_fds[1]);
    std::string output;
    char buffer[4096];
    ssize_t n;
    while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    const bool failed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
    const bool named = output.find(expected) != std::string::npos ||
                       (alternative != nullptr && output.find(alternative) != std::string::npos);
    const bool ok = failed && named;
    std::printf("%-44s %s\n", name, ok ? "caught  OK" : "FAILED");
    if (!ok) std::printf("  child status %d, expected \"%s\"; its stderr:\n%s\n", status, expected, output.c_str());
    return ok;
}

float *device_floats(size_t n) {
    float *p = nullptr;
    LAB_CHECK(cudaMalloc(&p, n * sizeof(float)));
    LAB_CHECK(cudaMemset(p, 0, n * sizeof(float)));
    return p;
}

bool expect_error(const char *name, cudaError_t expected) {
    const cudaError_t got = cudaGetLastError();
    const bool ok = got == expected;
    std::printf("%-44s %s (%s)\n", name, ok ? "OK" : "FAILED", cudaGetErrorName(got));
    return ok;
}

}  // namespace

int main() {
    using esm2j::launch_kernel;
    bool ok = true;
    ok &= expect_fault("divergent __syncthreads", "divergent __syncthreads", nullptr,
                       [] { launch_kernel(divergent_barrier_kernel, 1, 32, 0, nullptr); });
    ok &= expect_fault("__syncthreads after a thread exited", "can never", nullptr,
                       [] { launch_kernel(exited_barrier_kernel, 1, 64, 0, nullptr); });
    ok &= expect_fault("shuffle with an exited lane", "exit", nullptr,
                       [] { launch_kernel(exited_lane_kernel, 1, 32, 0, nullptr, device_floats(32)); });
    ok &= expect_fault("warp diverged between two shuffles", "diverged", nullptr,
                       [] { launch_kernel(diverged_warp_kernel, 1, 32, 0, nullptr, device_floats(32)); });
    ok &= expect_fault("deadlock names the waiting barrier", "deadlock", nullptr,
                       [] { launch_kernel(deadlock_kernel, 1, 32, 0, nullptr, device_floats(32)); });
    ok &= expect_fault("watchdog on a kernel that never yields", "watchdog", nullptr, [] {
        int *flag = nullptr;
        LAB_CHECK(cudaMalloc(&flag, sizeof(int)));
        LAB_CHECK(cudaMemset(flag, 0, sizeof(int)));
        launch_kernel(spin_kernel, 1, 1, 0, nullptr, static_cast<volatile int *>(flag));
    });
    ok &= expect_fault("global read one element past the end", "out-of-bounds", "Sanitizer", [] {
        const float *in = device_floats(64);  // 256 bytes: the end touches the guard page
        launch_kernel(read_kernel, 1, 1, 0, nullptr, in, device_floats(1), 64);
    });
    ok &= expect_fault("global write into an allocation's slack", "past its end", "Sanitizer",
                       [] { launch_kernel(write_kernel, 1, 1, 0, nullptr, device_floats(10), 10); });
    ok &= expect_fault("dynamic shared memory read past its size", "out-of-bounds", "Sanitizer",
                       [] { launch_kernel(dynamic_kernel, 1, 1024, 1024, nullptr, device_floats(1024)); });

    // Launch limits, reported and not run.
    float *out = device_floats(1024);
    launch_kernel(write_kernel, 1, 1025, 0, nullptr, out, 0);
    ok &= expect_error("1025 threads per block", cudaErrorInvalidConfiguration);
    launch_kernel(write_kernel, dim3(1, 65536), 1, 0, nullptr, out, 0);
    ok &= expect_error("grid y of 65536", cudaErrorInvalidConfiguration);
    launch_kernel(write_kernel, 1, dim3(1, 1, 65), 0, nullptr, out, 0);
    ok &= expect_error("block z of 65", cudaErrorInvalidConfiguration);
    launch_kernel(dynamic_kernel, 1, 32, 49 * 1024, nullptr, out);
    ok &= expect_error("49 KB dynamic shared memory without opt-in", cudaErrorInvalidValue);
    LAB_CHECK(cudaFuncSetAttribute(dynamic_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, 49 * 1024));
    ok &= cudaFuncSetAttribute(dynamic_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, 228 * 1024) ==
          cudaErrorInvalidValue;
    (void)cudaGetLastError();
    launch_kernel(dynamic_kernel, 1, 32, 49 * 1024, nullptr, out);
    ok &= expect_error("49 KB after cudaFuncSetAttribute", cudaSuccess);
    // Shared memory starts as NaN bytes.
    const std::vector<float> fill = to_host(out, 32);
    bool all_nan = true;
    for (float v : fill) all_nan &= std::isnan(v);
    std::printf("%-44s %s\n", "shared memory starts as NaN", all_nan ? "OK" : "FAILED");
    ok &= all_nan;

    // cp.async lands only at its wait.
    const std::vector<float> values = {1.f, 2.f, 3.f, 4.f};
    float *in = to_device(values);
    launch_kernel(cp_async_kernel, 1, 32, 0, nullptr, in, out, 1);
    const std::vector<float> waited = to_host(out, 4);
    launch_kernel(cp_async_kernel, 1, 32, 0, nullptr, in, out, 0);
    const std::vector<float> unwaited = to_host(out, 4);
    bool landed = waited == values, stale = true;
    for (float v : unwaited) stale &= std::isnan(v);
    std::printf("%-44s %s\n", "cp.async with wait_group reads the data", landed ? "OK" : "FAILED");
    std::printf("%-44s %s\n", "cp.async without wait_group reads stale data", stale ? "OK" : "FAILED");
    ok &= landed && stale;
    return finish(ok);
}
