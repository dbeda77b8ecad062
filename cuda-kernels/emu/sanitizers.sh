#!/usr/bin/env bash
# The emulator tests under AddressSanitizer (+UBSan) and ThreadSanitizer, each in its own build directory.
#   bash cuda-kernels/emu/sanitizers.sh [address|thread|all]   (default all)
# ThreadSanitizer sees every CUDA thread of a block as its own thread (fibers declared to it, barriers and warp
# collectives as its happens-before edges), so a missing __syncthreads shows up as a data race on shared memory.
# Faults that the emulator reports through a SIGSEGV are reported by the sanitizer instead (test_emulator accepts
# either).
set -euo pipefail
cd "$(dirname "$0")/../.."
which="${1:-all}"
for sanitizer in address thread; do
  [[ "$which" == all || "$which" == "$sanitizer" ]] || continue
  build="target-emu-$sanitizer"
  cmake -S cuda-kernels/emu -B "$build" -DESM2J_EMU_SANITIZER="$sanitizer" >/dev/null
  cmake --build "$build" --parallel
  TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}" \
    ctest --test-dir "$build" --output-on-failure --parallel 2
done
