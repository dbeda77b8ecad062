// contact_head (accumulate over layers, then finish) through esm2j_contact_head_accumulate / _finish on the emulator,
// with the lab's validation (dev/contact_head_validation.h): contact probabilities within 1e-5 of the fp64 reference
// and err(v2) <= 2 err(v1) + 1e-6 on the logits, v1 being the naive kernels run on the emulator too. Sequences with
// no residue (T = 2), one, two, an <eos> inside, a ragged 32-tile edge and more than one tile, packed together.
#include "contact_head_validation.h"
#include "harness.h"

namespace {

void layer_api(const esm2j_contact_head_params &p) { API_CHECK(esm2j_contact_head_accumulate(&p)); }
void finish_api(const esm2j_contact_head_finish_params &p) { API_CHECK(esm2j_contact_head_finish(&p)); }

}  // namespace

int main() {
    using contact_lab::validate;
    bool ok = true;
    ok &= validate("packed 2,3,4,50(eos@20),70", {2, 3, 4, 50, 70}, {0, 0, 0, 20, 0}, 4, 2, layer_api, finish_api);
    ok &= validate("packed 33(eos@31),40(eos@20)", {33, 40}, {31, 20}, 3, 2, layer_api, finish_api);
    ok &= validate("single 3", {3}, {0}, 5, 1, layer_api, finish_api);
    ok &= validate("no residues 2,2", {2, 2}, {0, 0}, 2, 1, layer_api, finish_api);
    return finish(ok);
}
