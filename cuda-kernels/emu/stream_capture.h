// Streams of the emulator, with graph capture: while a stream is captured, kernel launches and copies enqueued on it
// are recorded instead of run, and a graph replays them in order (native/src/runtime_emulated.cpp). Outside a
// capture everything runs when enqueued, which is one legal schedule of an in-order stream.
#pragma once

#ifndef ESM2J_EMULATE
#error "emu/stream_capture.h is for ESM2J_EMULATE builds only"
#endif

#include <cuda_runtime_api.h>

#include <functional>
#include <utility>
#include <vector>

struct esm2j_emu_stream {
    bool capturing = false;
    std::vector<std::function<void()>> captured;  // the work enqueued since the capture began
};

namespace esm2j_emu {

// Records `work` on a stream being captured and returns true; returns false, recording nothing, otherwise (the
// caller then runs it now). Errors of recorded work surface through cudaGetLastError when the graph runs.
inline bool record_if_capturing(cudaStream_t stream, std::function<void()> work) {
    if (stream == nullptr || !stream->capturing) return false;
    stream->captured.push_back(std::move(work));
    return true;
}

}  // namespace esm2j_emu
