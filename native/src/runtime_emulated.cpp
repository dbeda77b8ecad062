// The runtime entry points on the CPU emulator (ESM2J_EMULATE builds, cuda-kernels/emu): device memory is the
// emulator's guarded host memory, counted against an emulated device size so that the out-of-memory path can be
// tested; copies and launches run when enqueued, except on a stream being captured, where they are recorded into a
// graph that replays them (emu/stream_capture.h). The CUDA build has runtime_cuda.cpp instead;
// what both share is in runtime_shared.cpp.
#ifdef ESM2J_EMULATE

#include <cuda_runtime_api.h>

#include <cstdlib>
#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checks.h"
#include "emu/stream_capture.h"
#include "error.h"
#include "esm2j_cuda.h"

using namespace esm2j;

struct esm2j_graph {
    std::vector<std::function<void()>> work;
};

namespace {

// An H100's 80 GB unless a test sets less.
constexpr size_t kDefaultDeviceBytes = size_t{80} << 30;

struct DeviceMemory {
    std::mutex mutex;
    size_t total = kDefaultDeviceBytes;
    size_t used = 0;
    std::unordered_map<void *, size_t> sizes;
};

DeviceMemory &device_memory() {
    static DeviceMemory memory;
    return memory;
}

// Runs `work` now, or records it when `stream` is being captured.
void enqueue(cudaStream_t stream, std::function<void()> work) {
    if (!esm2j_emu::record_if_capturing(stream, work)) work();
}

// A copy through the emulator, which checks that the device side lies within one allocation.
esm2j_status copy(const char *fn, void *dst, const void *src, size_t bytes, int32_t kind) {
    CHECK(check_copy_kind(fn, kind));
    const cudaError_t error = cudaMemcpy(dst, src, bytes, static_cast<cudaMemcpyKind>(kind));
    if (error != cudaSuccess) {
        cudaGetLastError();
        return fail(ESM2J_ERROR_CUDA, "%s: %s: %zu bytes from %p to %p (kind %d) are not within one device allocation",
                    fn, cudaGetErrorName(error), bytes, src, dst, kind);
    }
    return ESM2J_OK;
}

}  // namespace

extern "C" int esm2j_emulated(void) { return 1; }

extern "C" int esm2j_device_count(int *count) {
    CHECK(check_pointer("esm2j_device_count", count, "count"));
    *count = 1;
    return ESM2J_OK;
}

extern "C" int esm2j_mem_get_info(size_t *free_bytes, size_t *total_bytes) {
    CHECK(check_pointer("esm2j_mem_get_info", free_bytes, "free_bytes"));
    CHECK(check_pointer("esm2j_mem_get_info", total_bytes, "total_bytes"));
    DeviceMemory &memory = device_memory();
    std::lock_guard<std::mutex> lock(memory.mutex);
    *total_bytes = memory.total;
    *free_bytes = memory.total > memory.used ? memory.total - memory.used : 0;
    return ESM2J_OK;
}

extern "C" int esm2j_set_emulated_memory(size_t total_bytes) {
    DeviceMemory &memory = device_memory();
    std::lock_guard<std::mutex> lock(memory.mutex);
    memory.total = total_bytes;
    return ESM2J_OK;
}

extern "C" int esm2j_device_alloc(void **pointer, size_t bytes) {
    CHECK(check_pointer("esm2j_device_alloc", pointer, "pointer"));
    *pointer = nullptr;
    DeviceMemory &memory = device_memory();
    std::lock_guard<std::mutex> lock(memory.mutex);
    if (bytes > memory.total - std::min(memory.used, memory.total)) {
        return fail(ESM2J_ERROR_OUT_OF_MEMORY,
                    "cudaMalloc of %zu bytes: cudaErrorMemoryAllocation: out of memory (emulated device of %zu bytes, "
                    "%zu in use)", bytes, memory.total, memory.used);
    }
    ESM2J_CUDA_CHECK(cudaMalloc(pointer, bytes));
    memory.sizes[*pointer] = bytes;
    memory.used += bytes;
    return ESM2J_OK;
}

extern "C" int esm2j_device_free(void *pointer) {
    if (pointer == nullptr) return ESM2J_OK;
    DeviceMemory &memory = device_memory();
    std::lock_guard<std::mutex> lock(memory.mutex);
    auto found = memory.sizes.find(pointer);
    if (found == memory.sizes.end()) {
        return fail(ESM2J_ERROR_INVALID_ARGUMENT, "esm2j_device_free: %p is not an allocation of esm2j_device_alloc",
                    pointer);
    }
    memory.used -= found->second;
    memory.sizes.erase(found);
    ESM2J_CUDA_CHECK(cudaFree(pointer));
    return ESM2J_OK;
}

extern "C" int esm2j_host_alloc(void **pointer, size_t bytes) {
    CHECK(check_pointer("esm2j_host_alloc", pointer, "pointer"));
    *pointer = std::malloc(bytes == 0 ? 1 : bytes);
    if (*pointer == nullptr) {
        return fail(ESM2J_ERROR_OUT_OF_MEMORY, "cudaMallocHost of %zu bytes: out of host memory", bytes);
    }
    return ESM2J_OK;
}

extern "C" int esm2j_host_free(void *pointer) {
    std::free(pointer);
    return ESM2J_OK;
}

extern "C" int esm2j_memcpy(void *dst, const void *src, size_t bytes, int32_t kind) {
    return copy("esm2j_memcpy", dst, src, bytes, kind);
}

extern "C" int esm2j_memcpy_async(void *dst, const void *src, size_t bytes, int32_t kind, cudaStream_t stream) {
    CHECK(check_copy_kind("esm2j_memcpy_async", kind));
    if (esm2j_emu::record_if_capturing(
            stream, [=] { cudaMemcpy(dst, src, bytes, static_cast<cudaMemcpyKind>(kind)); })) {
        return ESM2J_OK;
    }
    return copy("esm2j_memcpy_async", dst, src, bytes, kind);
}

extern "C" int esm2j_memset_async(void *dst, int32_t value, size_t bytes, cudaStream_t stream) {
    if (esm2j_emu::record_if_capturing(stream, [=] { cudaMemset(dst, value, bytes); })) return ESM2J_OK;
    ESM2J_CUDA_CHECK(cudaMemset(dst, value, bytes));
    return ESM2J_OK;
}

extern "C" int esm2j_stream_create(cudaStream_t *stream) {
    CHECK(check_pointer("esm2j_stream_create", stream, "stream"));
    *stream = new esm2j_emu_stream();
    return ESM2J_OK;
}

extern "C" int esm2j_stream_destroy(cudaStream_t stream) {
    delete stream;
    return ESM2J_OK;
}

extern "C" int esm2j_stream_synchronize(cudaStream_t stream) {
    if (stream != nullptr && stream->capturing) {
        return fail(ESM2J_ERROR_CUDA, "esm2j_stream_synchronize: cudaErrorStreamCaptureUnsupported: the stream is "
                                      "being captured");
    }
    ESM2J_CUDA_CHECK(cudaStreamSynchronize(stream));
    return ESM2J_OK;
}

extern "C" int esm2j_stream_is_capturing(cudaStream_t stream, int32_t *capturing) {
    CHECK(check_pointer("esm2j_stream_is_capturing", capturing, "capturing"));
    *capturing = stream != nullptr && stream->capturing;
    return ESM2J_OK;
}

extern "C" int esm2j_graph_begin_capture(cudaStream_t stream) {
    CHECK(check_pointer("esm2j_graph_begin_capture", stream, "stream (the legacy stream cannot be captured)"));
    if (stream->capturing) {
        return fail(ESM2J_ERROR_CUDA, "esm2j_graph_begin_capture: cudaErrorIllegalState: already capturing");
    }
    stream->capturing = true;
    stream->captured.clear();
    return ESM2J_OK;
}

extern "C" int esm2j_graph_end_capture(cudaStream_t stream, esm2j_graph **graph) {
    CHECK(check_pointer("esm2j_graph_end_capture", graph, "graph"));
    *graph = nullptr;
    CHECK(check_pointer("esm2j_graph_end_capture", stream, "stream"));
    if (!stream->capturing) {
        return fail(ESM2J_ERROR_CUDA, "esm2j_graph_end_capture: cudaErrorIllegalState: the stream is not capturing");
    }
    stream->capturing = false;
    *graph = new esm2j_graph{std::move(stream->captured)};
    stream->captured.clear();
    return ESM2J_OK;
}

extern "C" int esm2j_graph_launch(esm2j_graph *graph, cudaStream_t stream) {
    CHECK(check_pointer("esm2j_graph_launch", graph, "graph"));
    CHECK(check_no_pending_error("esm2j_graph_launch"));
    for (const std::function<void()> &work : graph->work) {
        enqueue(stream, work);
        ESM2J_LAUNCH_CHECK("a graph's recorded work");
    }
    return ESM2J_OK;
}

extern "C" int esm2j_graph_destroy(esm2j_graph *graph) {
    delete graph;
    return ESM2J_OK;
}

#endif  // ESM2J_EMULATE
