#include "error.h"

#include <cstdarg>
#include <cstdio>
#include <string>

namespace {
// One message per thread, so concurrent callers (one stream each) never see each other's errors.
thread_local std::string last_error;
}  // namespace

namespace esm2j {

esm2j_status fail(esm2j_status status, const char *format, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    last_error.assign(buffer);
    return status;
}

esm2j_status cuda_failure(cudaError_t error, const char *what, const char *file, int line) {
    // Only the file's base name: build paths say nothing to the reader of an exception message.
    const char *base = file;
    for (const char *p = file; *p != '\0'; ++p) {
        if (*p == '/') base = p + 1;
    }
    return fail(ESM2J_ERROR_CUDA, "%s: %s in %s at %s:%d", cudaGetErrorName(error), cudaGetErrorString(error), what,
                base, line);
}

}  // namespace esm2j

extern "C" const char *esm2j_last_error(void) { return last_error.c_str(); }

extern "C" int esm2j_abi_version(void) { return ESM2J_CUDA_ABI_VERSION; }
