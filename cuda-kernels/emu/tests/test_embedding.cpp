// embedding (token dropout divisor + gather) through esm2j_embedding_forward on the emulator, with the lab's
// validation (dev/embedding_validation.h: masks, a sequence of only masks, pads inside a sequence, out-of-vocabulary
// ids as NaN rows, strided rows with untouched padding, dropout off; 1e-6 + |ref| (eps(out) + 16 FLT_EPSILON)), for
// every (table, out) dtype pair.
#include "embedding_validation.h"
#include "harness.h"

namespace {

void launch_api(int, const esm2j_embedding_params &p) { API_CHECK(esm2j_embedding_forward(&p)); }

template <typename TTable>
bool run_every_out_dtype(const std::vector<embedding_lab::Case> &cases) {
    bool ok = true;
    for (const embedding_lab::Case &k : cases) {
        ok &= embedding_lab::run<TTable, float>(k, false, {1}, launch_api);
        ok &= embedding_lab::run<TTable, __half>(k, false, {1}, launch_api);
        ok &= embedding_lab::run<TTable, __nv_bfloat16>(k, false, {1}, launch_api);
    }
    return ok;
}

}  // namespace

int main() {
    const std::vector<embedding_lab::Case> cases = embedding_lab::awkward_cases({1, 33, 200}, 70);
    bool ok = run_every_out_dtype<float>(cases);
    ok &= run_every_out_dtype<__half>(cases);
    ok &= run_every_out_dtype<__nv_bfloat16>(cases);
    return finish(ok);
}
