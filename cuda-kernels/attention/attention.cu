// Picks the attention instantiation for the runtime head_dim.
#include "attention/attention_launch.h"
#include "error.h"

namespace esm2j {

bool attention_supports_head_dim(int64_t head_dim) {
    return head_dim == 16 || head_dim == 24 || head_dim == 32 || head_dim == 64 || head_dim == 128;
}

esm2j_status launch_attention_forward(const esm2j_attention_params &p) {
    switch (p.head_dim) {
        case 16: attention::attention_forward<16>(p); break;
        case 24: attention::attention_forward<24>(p); break;
        case 32: attention::attention_forward<32>(p); break;
        case 64: attention::attention_forward<64>(p); break;
        case 128: attention::attention_forward<128>(p); break;
        default:
            return fail(ESM2J_ERROR_UNSUPPORTED, "esm2j_attention_forward: no kernel for head_dim %lld",
                        static_cast<long long>(p.head_dim));
    }
    ESM2J_LAUNCH_CHECK("attention_forward_kernel");
    return ESM2J_OK;
}

}  // namespace esm2j
