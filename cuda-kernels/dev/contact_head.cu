// Kernel lab: the contact head fed one layer at a time (contact_head.cuh): symmetrize, APC, weighted sum over the
// layer's heads, then sigmoid(logits + bias) after the last layer.
// Versions:
//   1  naive: one thread per row sum a_i (sequential over j), one thread per total a (sequential over i), one thread
//      per output (i, j) looping over the heads; all fp32, the same-precision noise floor.
//   2  production (contact_head.cuh): row sums as a warp reduction over each row plus coalesced column sums combined
//      by a tree, totals by a block tree, APC on 32 x 32 tiles staged through shared memory.
// Correctness: both against an fp64 CPU reference with exactly the arithmetic of core's ContactHead.java (which the
// CPU runtime uses), on packed batches with awkward lengths (T = 2 without residues, 3, 4, 97, 1025) and an <eos>
// inside a sequence, over several layers; rules: every probability within 1e-5 absolute, and
// err(v2) <= 2 * err(v1) + atol on the logits before the sigmoid. Probabilities are row softmaxes of random scores.
// Timing: CUDA events with an L2 flush, one layer (three kernels); GB/s = the layer's probabilities read once
// (4 * heads * sum T_s^2 bytes) / time, at 64 x 514 and 8 x 1026 tokens with 20 heads (ESM-2 8M/35M/650M have 20).
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/contact_head.cu -o lab_contact_head
// Run on a GPU: ./lab_contact_head   (validation, then timing; exit status 1 on any failure)
#include <algorithm>
#include <cstdint>

#include "../contact_head.cuh"
#include "common.h"
#include "contact_head_validation.h"

namespace {

using namespace contact_lab;

// The production kernels, called as the launcher does.
void v2_layer(const esm2j_contact_head_params &p) {
    esm2j::contact_row_sums(p);
    esm2j::contact_totals(p);
    esm2j::contact_apc(p);
}

bool validate(const char *name, const std::vector<int> &lengths, const std::vector<int> &eos_inside, int heads,
              int layers) {
    return contact_lab::validate(name, lengths, eos_inside, heads, layers, v2_layer,
                                 [](const esm2j_contact_head_finish_params &f) { esm2j::contact_finish(f); });
}

void time_layer(int seqs, int t, int heads) {
    const Batch b = make_batch(std::vector<int>(seqs, t), std::vector<int>(seqs, 0), heads);
    const Device d = upload(b);
    // Timing needs valid probabilities only, not random ones: a uniform softmax is quick to build.
    const std::vector<float> probs(b.probs_per_layer, 1.f / t);
    LAB_CHECK(cudaMemcpy(d.probs, probs.data(), probs.size() * sizeof(float), cudaMemcpyHostToDevice));
    const std::vector<float> weight = random_floats(heads, 0.5f, 3);
    LAB_CHECK(cudaMemcpy(d.weight, weight.data(), weight.size() * sizeof(float), cudaMemcpyHostToDevice));
    const esm2j_contact_head_params p = params(b, d, d.logits, 1);
    const double bytes = static_cast<double>(b.probs_per_layer) * sizeof(float);
    const float ms_v1 = benchmark_kernel(10, [&] { v1_layer(b, d, 1); });
    const float ms_v2 = benchmark_kernel(20, [&] { v2_layer(p); });
    std::printf("contact layer %d x %d tokens H%d: v1 %.3f ms %.0f GB/s   v2 %.3f ms %.0f GB/s\n", seqs, t, heads,
                ms_v1, bytes / ms_v1 / 1e6, ms_v2, bytes / ms_v2 / 1e6);
    release(d);
}

}  // namespace

int main() {
    bool ok = true;
    // No residues (T = 2), a single residue (T = 3), two (T = 4), an <eos> inside (T = 50, <eos> at 20), one tile
    // and a ragged edge (97), many tiles (1025), all packed in one batch.
    ok &= validate("packed 2,3,4,50(eos@20),97,1025", {2, 3, 4, 50, 97, 1025}, {0, 0, 0, 20, 0, 0}, 4, 3);
    ok &= validate("packed 97(eos@95),130(eos@64)", {97, 130}, {95, 64}, 20, 2);
    ok &= validate("single 3", {3}, {0}, 20, 1);
    time_layer(64, 514, 20);
    time_layer(8, 1026, 20);
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
