// The runtime entry points (memory, copies, streams, events, graphs) on a CUDA device: thin wrappers over the CUDA
// runtime that report failures like the kernels' entry points. The emulator build has runtime_emulated.cpp instead;
// what both share is in runtime_shared.cpp.
#ifndef ESM2J_EMULATE

#include <cuda_runtime_api.h>

#include "checks.h"
#include "error.h"
#include "esm2j_cuda.h"

using namespace esm2j;

namespace {

// An allocation failure is not sticky: it is cleared here so that later calls start clean, and reported as such.
esm2j_status allocation_failure(cudaError_t error, const char *what, size_t bytes) {
    cudaGetLastError();
    return fail(ESM2J_ERROR_OUT_OF_MEMORY, "%s of %zu bytes: %s: %s", what, bytes, cudaGetErrorName(error),
                cudaGetErrorString(error));
}

}  // namespace

struct esm2j_graph {
    cudaGraphExec_t exec;
};

extern "C" int esm2j_emulated(void) { return 0; }

extern "C" int esm2j_device_count(int *count) {
    CHECK(check_pointer("esm2j_device_count", count, "count"));
    *count = 0;
    const cudaError_t error = cudaGetDeviceCount(count);
    if (error != cudaSuccess) {
        // No driver or no device: reported here, and not left pending to be blamed on the next launch.
        cudaGetLastError();
        return cuda_failure(error, "cudaGetDeviceCount", __FILE__, __LINE__);
    }
    return ESM2J_OK;
}

extern "C" int esm2j_mem_get_info(size_t *free_bytes, size_t *total_bytes) {
    CHECK(check_pointer("esm2j_mem_get_info", free_bytes, "free_bytes"));
    CHECK(check_pointer("esm2j_mem_get_info", total_bytes, "total_bytes"));
    ESM2J_CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
    return ESM2J_OK;
}

extern "C" int esm2j_set_emulated_memory(size_t) {
    return fail(ESM2J_ERROR_UNSUPPORTED, "esm2j_set_emulated_memory: this library runs on a CUDA device");
}

extern "C" int esm2j_device_alloc(void **pointer, size_t bytes) {
    CHECK(check_pointer("esm2j_device_alloc", pointer, "pointer"));
    *pointer = nullptr;
    const cudaError_t error = cudaMalloc(pointer, bytes);
    if (error == cudaErrorMemoryAllocation) return allocation_failure(error, "cudaMalloc", bytes);
    ESM2J_CUDA_CHECK(error);
    return ESM2J_OK;
}

extern "C" int esm2j_device_free(void *pointer) {
    ESM2J_CUDA_CHECK(cudaFree(pointer));
    return ESM2J_OK;
}

extern "C" int esm2j_host_alloc(void **pointer, size_t bytes) {
    CHECK(check_pointer("esm2j_host_alloc", pointer, "pointer"));
    *pointer = nullptr;
    const cudaError_t error = cudaMallocHost(pointer, bytes);
    if (error == cudaErrorMemoryAllocation) return allocation_failure(error, "cudaMallocHost", bytes);
    ESM2J_CUDA_CHECK(error);
    return ESM2J_OK;
}

extern "C" int esm2j_host_free(void *pointer) {
    ESM2J_CUDA_CHECK(cudaFreeHost(pointer));
    return ESM2J_OK;
}

extern "C" int esm2j_memcpy(void *dst, const void *src, size_t bytes, int32_t kind) {
    CHECK(check_copy_kind("esm2j_memcpy", kind));
    ESM2J_CUDA_CHECK(cudaMemcpy(dst, src, bytes, static_cast<cudaMemcpyKind>(kind)));
    return ESM2J_OK;
}

extern "C" int esm2j_memcpy_async(void *dst, const void *src, size_t bytes, int32_t kind, cudaStream_t stream) {
    CHECK(check_copy_kind("esm2j_memcpy_async", kind));
    ESM2J_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, static_cast<cudaMemcpyKind>(kind), stream));
    return ESM2J_OK;
}

extern "C" int esm2j_memset_async(void *dst, int32_t value, size_t bytes, cudaStream_t stream) {
    ESM2J_CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, stream));
    return ESM2J_OK;
}

extern "C" int esm2j_stream_create(cudaStream_t *stream) {
    CHECK(check_pointer("esm2j_stream_create", stream, "stream"));
    ESM2J_CUDA_CHECK(cudaStreamCreate(stream));
    return ESM2J_OK;
}

extern "C" int esm2j_stream_destroy(cudaStream_t stream) {
    ESM2J_CUDA_CHECK(cudaStreamDestroy(stream));
    return ESM2J_OK;
}

extern "C" int esm2j_stream_synchronize(cudaStream_t stream) {
    ESM2J_CUDA_CHECK(cudaStreamSynchronize(stream));
    return ESM2J_OK;
}

extern "C" int esm2j_stream_is_capturing(cudaStream_t stream, int32_t *capturing) {
    CHECK(check_pointer("esm2j_stream_is_capturing", capturing, "capturing"));
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    ESM2J_CUDA_CHECK(cudaStreamIsCapturing(stream, &status));
    *capturing = status != cudaStreamCaptureStatusNone;
    return ESM2J_OK;
}

extern "C" int esm2j_graph_begin_capture(cudaStream_t stream) {
    ESM2J_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    return ESM2J_OK;
}

extern "C" int esm2j_graph_end_capture(cudaStream_t stream, esm2j_graph **graph) {
    CHECK(check_pointer("esm2j_graph_end_capture", graph, "graph"));
    *graph = nullptr;
    cudaGraph_t captured = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(stream, &captured);
    if (ended != cudaSuccess) {
        cudaGetLastError();  // an invalidated capture leaves its error pending; the status reports it
        if (captured != nullptr) cudaGraphDestroy(captured);
        return cuda_failure(ended, "cudaStreamEndCapture", __FILE__, __LINE__);
    }
    cudaGraphExec_t exec = nullptr;
    const cudaError_t instantiated = cudaGraphInstantiate(&exec, captured, 0ULL);
    cudaGraphDestroy(captured);
    if (instantiated == cudaErrorMemoryAllocation) return allocation_failure(instantiated, "cudaGraphInstantiate", 0);
    if (instantiated != cudaSuccess) {
        cudaGetLastError();
        return cuda_failure(instantiated, "cudaGraphInstantiate", __FILE__, __LINE__);
    }
    *graph = new esm2j_graph{exec};
    return ESM2J_OK;
}

extern "C" int esm2j_graph_launch(esm2j_graph *graph, cudaStream_t stream) {
    CHECK(check_pointer("esm2j_graph_launch", graph, "graph"));
    ESM2J_CUDA_CHECK(cudaGraphLaunch(graph->exec, stream));
    return ESM2J_OK;
}

extern "C" int esm2j_graph_destroy(esm2j_graph *graph) {
    if (graph == nullptr) return ESM2J_OK;
    const cudaError_t error = cudaGraphExecDestroy(graph->exec);
    delete graph;
    ESM2J_CUDA_CHECK(error);
    return ESM2J_OK;
}

#endif  // ESM2J_EMULATE
