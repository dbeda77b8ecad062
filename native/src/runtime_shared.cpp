// The runtime entry points whose code is the same on a CUDA device and on the CPU emulator: events and the error
// reset. The CUDA runtime calls they wrap are the toolkit's in the CUDA build and the emulator's stand-ins
// (cuda-kernels/emu/include/cuda_runtime_api.h) in the ESM2J_EMULATE build; what differs between the two (memory,
// copies, streams, graphs) is in runtime_cuda.cpp and runtime_emulated.cpp.

#include <cuda_runtime_api.h>

#include "checks.h"
#include "error.h"
#include "esm2j_cuda.h"

using namespace esm2j;

extern "C" int esm2j_clear_error(void) {
    ESM2J_CUDA_CHECK(cudaGetLastError());
    return ESM2J_OK;
}

extern "C" int esm2j_event_create(cudaEvent_t *event) {
    CHECK(check_pointer("esm2j_event_create", event, "event"));
    ESM2J_CUDA_CHECK(cudaEventCreate(event));
    return ESM2J_OK;
}

extern "C" int esm2j_event_record(cudaEvent_t event, cudaStream_t stream) {
    ESM2J_CUDA_CHECK(cudaEventRecord(event, stream));
    return ESM2J_OK;
}

extern "C" int esm2j_event_synchronize(cudaEvent_t event) {
    ESM2J_CUDA_CHECK(cudaEventSynchronize(event));
    return ESM2J_OK;
}

extern "C" int esm2j_event_elapsed_ms(float *ms, cudaEvent_t start, cudaEvent_t stop) {
    CHECK(check_pointer("esm2j_event_elapsed_ms", ms, "ms"));
    ESM2J_CUDA_CHECK(cudaEventElapsedTime(ms, start, stop));
    return ESM2J_OK;
}

extern "C" int esm2j_event_destroy(cudaEvent_t event) {
    ESM2J_CUDA_CHECK(cudaEventDestroy(event));
    return ESM2J_OK;
}
