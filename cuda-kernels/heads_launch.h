// Host launchers of the model heads: the LM head's log-softmax and the contact head. The C entry points in
// native/src/api_heads.cpp validate arguments and call these; each launcher enqueues its kernels and reports launch
// failures through esm2j::cuda_failure.
#pragma once

#include "esm2j_cuda.h"

namespace esm2j {

esm2j_status launch_log_softmax_forward(const esm2j_log_softmax_params &p);

// Grid limits of the contact head's launches: sequences and heads take grid z / y, and so do the residue tiles
// (32 per tile) of the longest sequence.
constexpr int64_t kContactMaxGridYZ = 65535;
constexpr int64_t kContactMaxSeqlen = 65535 * 32 + 2;

// Returns ESM2J_OK without launching anything when no sequence has 3 tokens or more.
esm2j_status launch_contact_head_accumulate(const esm2j_contact_head_params &p);
esm2j_status launch_contact_head_finish(const esm2j_contact_head_finish_params &p);

}  // namespace esm2j
