// qkv_epilogue through esm2j_qkv_epilogue_forward on the emulator, with the lab's validation
// (dev/qkv_epilogue_validation.h): every element within 2e-4 + |ref| (2 eps(out) + 1e-5) of the fp64 reference and
// err <= 2 err(fp32 CPU) + 2e-4, for q, k and v; one token, packed batches with a length-1 sequence, head dims 16, 24,
// 64 and 128, the dtype pairs the runtime uses and f32 in, f16/bf16 out.
#include "harness.h"
#include "qkv_epilogue_validation.h"

namespace {

void launch_api(const esm2j_qkv_epilogue_params &p) { API_CHECK(esm2j_qkv_epilogue_forward(&p)); }

template <typename TIn, typename TOut>
bool run(const qkv_lab::Shape &s) {
    return qkv_lab::run<TIn, TOut>(s, false, launch_api);
}

}  // namespace

int main() {
    using qkv_lab::Shape;
    bool ok = true;
    for (const Shape &s : {Shape{{1}, 2, 16}, Shape{{7, 1, 40}, 3, 16}, Shape{{5, 9}, 2, 24}, Shape{{3}, 2, 64},
                           Shape{{2, 3}, 2, 128}}) {
        ok &= run<float, float>(s);
        ok &= run<float, __nv_bfloat16>(s);
        ok &= run<float, __half>(s);
        ok &= run<__nv_bfloat16, __nv_bfloat16>(s);
        ok &= run<__half, __half>(s);
    }
    return finish(ok);
}
