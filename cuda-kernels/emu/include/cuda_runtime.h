// Emulator stand-in for the toolkit's cuda_runtime.h (see cuda_runtime_api.h beside it).
#pragma once
#include <cuda_runtime_api.h>
