#include "contact_head.cuh"
#include "error.h"
#include "heads_launch.h"

namespace esm2j {

esm2j_status launch_contact_head_accumulate(const esm2j_contact_head_params &p) {
    if (contact_tiles(p.max_seqlen) == 0) return ESM2J_OK;
    contact_row_sums(p);
    ESM2J_LAUNCH_CHECK("contact_row_sums_kernel");
    contact_totals(p);
    ESM2J_LAUNCH_CHECK("contact_totals_kernel");
    contact_apc(p);
    ESM2J_LAUNCH_CHECK("contact_apc_kernel");
    return ESM2J_OK;
}

esm2j_status launch_contact_head_finish(const esm2j_contact_head_finish_params &p) {
    contact_finish(p);
    ESM2J_LAUNCH_CHECK("contact_finish_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
