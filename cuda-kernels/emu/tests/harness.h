// Shared pieces of the emulator tests: device buffers, the native API's status check, and the error rules of the
// kernel labs (dev/common.h, compiled here against the emulated runtime).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common.h"
#include "esm2j_cuda.h"

// Aborts the test with esm2j_last_error() when an entry point fails.
#define API_CHECK(call)                                                                                          \
    do {                                                                                                         \
        const int api_status_ = (call);                                                                          \
        if (api_status_ != ESM2J_OK) {                                                                           \
            std::fprintf(stderr, "%s failed with status %d: %s (%s:%d)\n", #call, api_status_, esm2j_last_error(), \
                         __FILE__, __LINE__);                                                                    \
            std::exit(1);                                                                                        \
        }                                                                                                        \
    } while (0)

// A device allocation of n elements freed on scope exit (the emulator checks its guard zones on free).
template <typename T>
struct DeviceBuffer {
    T *data = nullptr;
    size_t size = 0;
    explicit DeviceBuffer(size_t n) : size(n) { LAB_CHECK(cudaMalloc(&data, n * sizeof(T))); }
    explicit DeviceBuffer(const std::vector<T> &host) : DeviceBuffer(host.size()) {
        LAB_CHECK(cudaMemcpy(data, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    }
    DeviceBuffer(const DeviceBuffer &) = delete;
    DeviceBuffer &operator=(const DeviceBuffer &) = delete;
    ~DeviceBuffer() { cudaFree(data); }
    std::vector<T> host() const { return to_host(data, size); }
};

// Rounds each value to T and back, so a reference starts from exactly what the kernel reads.
template <typename T>
std::vector<T> stored_as(std::vector<float> &values) {
    std::vector<T> stored(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        stored[i] = narrow<T>(values[i]);
        values[i] = as_float(stored[i]);
    }
    return stored;
}

inline int finish(bool ok) {
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
