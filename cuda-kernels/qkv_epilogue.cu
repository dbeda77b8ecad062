#include "error.h"
#include "launchers.h"
#include "qkv_epilogue.cuh"

namespace esm2j {

esm2j_status launch_qkv_epilogue_forward(const esm2j_qkv_epilogue_params &p) {
    with_dtype(p.in_dtype, [&](auto in) {
        with_dtype(p.out_dtype, [&](auto out) { qkv_epilogue_forward<decltype(in), decltype(out)>(p); });
    });
    ESM2J_LAUNCH_CHECK("qkv_epilogue_forward_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
