#include "embedding.cuh"
#include "error.h"
#include "launchers.h"

namespace esm2j {

esm2j_status launch_embedding_forward(const esm2j_embedding_params &p) {
    token_dropout_divisor(p);
    ESM2J_LAUNCH_CHECK("token_dropout_divisor_kernel");
    with_dtype(p.table_dtype, [&](auto table) {
        with_dtype(p.out_dtype, [&](auto out) { embedding_gather<decltype(table), decltype(out)>(p); });
    });
    ESM2J_LAUNCH_CHECK("embedding_gather_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
