// attention through esm2j_attention_forward on the emulator, with the lab's validation (dev/attention_validation.h):
// err(v2) <= 2 * err(v1) + 1e-6 against the fp64 reference, for the output and the probabilities, v1 being the naive
// same-precision kernel run on the emulator too. Every head_dim and dtype (bf16/f16: tensor-core kernel; f32: CUDA
// cores); packed lengths including 1 and lengths around the 64-row tiles; q/k/v as views of one fused buffer with a
// padded out row (16-byte aligned: the cp.async path); an odd head stride (the scalar load path); a single token.
#include "attention_validation.h"
#include "harness.h"

namespace {

void run_api(const esm2j_attention_params &p) { API_CHECK(esm2j_attention_forward(&p)); }

template <typename T>
bool validate_all() {
    using attention_lab::validate;
    bool ok = true;
    for (int hd : {16, 24, 32, 64, 128}) {
        ok &= validate<T>("packed", {1, 2, 70}, 2, hd, hd, false, 0, run_api);
        ok &= validate<T>("fused", {63, 65, 5}, 3, hd, hd, true, 8, run_api);
        ok &= validate<T>("odd", {1, 33}, 2, hd, hd + 1, false, 0, run_api);  // odd head stride: scalar loads
    }
    ok &= validate<T>("one", {1}, 1, 64, 64, false, 0, run_api);
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    ok &= validate_all<__nv_bfloat16>();
    ok &= validate_all<__half>();
    ok &= validate_all<float>();
    return finish(ok);
}
