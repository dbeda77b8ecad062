// Kernel lab: token embedding with ESM-2's token dropout over a packed batch: x[t] = E[tokens[t]] * keep_scale /
// (1 - n_mask(s) / n_nonpad(s)) for token t of sequence s; mask and pad rows zero, ids outside the vocabulary NaN.
// Versions:
//   1  two kernels: one block per sequence counts its masks and non-pad tokens into a divisor, then one block per
//      token gathers and scales its row -- production, embedding.cuh
//   2  one kernel: each token's block recounts its whole sequence before gathering (no divisor workspace, but every
//      sequence is read once per token). For comparison only.
// Correctness: both versions, all nine (table, out) dtype pairs of f32, f16, bf16, against an fp64 CPU reference of
// the same rounded table, over awkward packed batches: a single token; lengths 97, 1, 1025 and a fully masked
// sequence of 2 and a <cls> <mask> in one batch; pad tokens (zero, not counted) and ids -1, 33, 1000 (NaN rows) inside sequences;
// widths 1, 33, 320, 1280, 5120; padded table and output row strides (the output's padding must stay untouched);
// token dropout off (mask id pointed at <pad>, keep_scale 1, as CudaRuntime does then). Tolerance
// 1e-6 + |ref| * (eps(out dtype) + 16 FLT_EPSILON): the fp32 divisor 1 - m/n loses up to m/(n-m) ulp to cancellation.
// Timing: CUDA events with an L2 flush; GB/s = (token ids read twice, rows written, table read once) / time against
// the DRAM roofline, at 64 x 512 tokens with 12% masks for the widths of esm2_t6_8M (320), t33_650M (1280) and
// t36_3B (2560).
// Build (from the repository root): cmake -S . -B build -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build build --target lab_embedding
//   or: nvcc -O3 -std=c++17 -arch=sm_90a -Inative/include -Icuda-kernels cuda-kernels/dev/embedding.cu -o lab_embedding
// Run on a GPU: ./lab_embedding   (validation, then timing; exit status 1 on any mismatch)
#include <cfloat>
#include <cstdint>

#include "../embedding.cuh"
#include "common.h"

namespace {

constexpr int kVocab = 33, kCls = 0, kPad = 1, kEos = 2, kMask = 32;
const float kKeep = static_cast<float>(1 - 0.15 * 0.8);  // fair-esm's 1 - mask_ratio_train, as the runtime passes it

// --- version 2: one kernel, each token recounts its sequence --------------------------------------------------------

template <typename TTable, typename TOut>
__global__ void __launch_bounds__(esm2j::kEmbeddingThreads)
embedding_recount_kernel(const int32_t *__restrict__ tokens, const int32_t *__restrict__ cu_seqlens,
                         const TTable *__restrict__ table, TOut *out, int num_seqs, int vocab, int dim,
                         int64_t table_row_stride, int64_t out_row_stride, int32_t mask_token, int32_t pad_token,
                         float keep_scale) {
    const int64_t t = blockIdx.x;
    const int32_t token = tokens[t];
    TOut *row = out + t * out_row_stride;
    // token is the same for the whole block, so this return never splits a block before the barriers below.
    if (token == mask_token || token == pad_token || token < 0 || token >= vocab) {
        const float fill = (token < 0 || token >= vocab) ? __int_as_float(0x7fc00000) : 0.f;
        for (int c = threadIdx.x; c < dim; c += blockDim.x) row[c] = esm2j::from_float<TOut>(fill);
        return;
    }
    const int s = esm2j::sequence_of(cu_seqlens, num_seqs, t);
    int masks = 0, nonpad = 0;
    for (int i = cu_seqlens[s] + threadIdx.x; i < cu_seqlens[s + 1]; i += blockDim.x) {
        masks += tokens[i] == mask_token;
        nonpad += tokens[i] != pad_token;
    }
    __shared__ int block_masks, block_nonpad;
    if (threadIdx.x == 0) block_masks = block_nonpad = 0;
    __syncthreads();
    atomicAdd(&block_masks, masks);
    atomicAdd(&block_nonpad, nonpad);
    __syncthreads();
    const float d = 1.f - static_cast<float>(block_masks) / static_cast<float>(block_nonpad);
    const TTable *e = table + static_cast<int64_t>(token) * table_row_stride;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        row[c] = esm2j::from_float<TOut>(esm2j::to_float(e[c]) * keep_scale / d);
    }
}

template <typename TTable, typename TOut>
void launch(int version, const esm2j_embedding_params &p) {
    if (version == 1) {
        esm2j::token_dropout_divisor(p);
        esm2j::embedding_gather<TTable, TOut>(p);
        return;
    }
    embedding_recount_kernel<TTable, TOut><<<static_cast<unsigned>(p.total_tokens), esm2j::kEmbeddingThreads, 0,
                                             p.stream>>>(
        p.tokens, p.cu_seqlens, static_cast<const TTable *>(p.table), static_cast<TOut *>(p.out),
        static_cast<int>(p.num_seqs), static_cast<int>(p.vocab), static_cast<int>(p.dim), p.table_row_stride,
        p.out_row_stride, p.mask_token, p.pad_token, p.keep_scale);
}

// --- batches, reference and driver ----------------------------------------------------------------------------------

// <cls> residues <eos> (a lone <cls> for length 1), each residue replaced by <mask> with probability mask_fraction.
std::vector<int32_t> random_sequence(int length, double mask_fraction, std::mt19937 &rng) {
    std::uniform_int_distribution<int32_t> residue(4, 23);
    std::bernoulli_distribution masked(mask_fraction);
    std::vector<int32_t> seq(length);
    for (int i = 0; i < length; ++i) seq[i] = masked(rng) ? kMask : residue(rng);
    seq[0] = kCls;
    if (length > 1) seq[length - 1] = kEos;
    return seq;
}

struct Case {
    std::vector<std::vector<int32_t>> sequences;
    int dim;
    int table_pad = 0, out_pad = 0;  // elements after each row's dim, making the row stride dim + pad
    bool dropout = true;
    const char *label = "";
};

template <typename TTable, typename TOut>
bool run(const Case &k, bool time_it) {
    std::vector<int32_t> tokens, cu{0};
    for (const auto &seq : k.sequences) {
        tokens.insert(tokens.end(), seq.begin(), seq.end());
        cu.push_back(static_cast<int32_t>(tokens.size()));
    }
    const int64_t total = static_cast<int64_t>(tokens.size()), num_seqs = static_cast<int64_t>(k.sequences.size());
    const int64_t ts = k.dim + k.table_pad, os = k.dim + k.out_pad;
    const int32_t mask_token = k.dropout ? kMask : kPad;
    const float keep = k.dropout ? kKeep : 1.f;

    const std::vector<float> table_values = random_floats(static_cast<size_t>(kVocab) * ts, 1.f, 1);
    std::vector<TTable> table(table_values.size());
    for (size_t i = 0; i < table.size(); ++i) table[i] = narrow<TTable>(table_values[i]);
    const size_t out_elems = static_cast<size_t>(total) * os;
    const std::vector<TOut> out_initial(out_elems, narrow<TOut>(7.f));

    // Expected contents of the whole output buffer, the padding as it was; NaN rows for ids outside the vocabulary.
    std::vector<float> expected(out_elems, 7.f);
    std::vector<bool> invalid_row(total, false);
    for (int64_t s = 0; s < num_seqs; ++s) {
        int masks = 0, nonpad = 0;
        for (int t = cu[s]; t < cu[s + 1]; ++t) {
            masks += tokens[t] == mask_token;
            nonpad += tokens[t] != kPad;
        }
        const double scale = static_cast<double>(keep) / (1.0 - static_cast<double>(masks) / nonpad);
        for (int t = cu[s]; t < cu[s + 1]; ++t) {
            const int32_t id = tokens[t];
            invalid_row[t] = id < 0 || id >= kVocab;
            for (int c = 0; c < k.dim; ++c) {
                float &e = expected[t * os + c];
                if (invalid_row[t]) {
                    e = NAN;
                } else if (id == mask_token || id == kPad) {
                    e = 0.f;
                } else {
                    e = static_cast<float>(as_float(table[id * ts + c]) * scale);
                }
            }
        }
    }

    int32_t *d_tokens = to_device(tokens), *d_cu = to_device(cu);
    TTable *d_table = to_device(table);
    TOut *d_out = to_device(out_initial);
    float *d_divisor = nullptr;
    LAB_CHECK(cudaMalloc(&d_divisor, num_seqs * sizeof(float)));
    esm2j_embedding_params p{};
    p.tokens = d_tokens; p.cu_seqlens = d_cu; p.table = d_table; p.out = d_out; p.seq_divisor_workspace = d_divisor;
    p.total_tokens = total; p.num_seqs = num_seqs; p.vocab = kVocab; p.dim = k.dim;
    p.table_row_stride = ts; p.out_row_stride = os; p.mask_token = mask_token; p.pad_token = kPad;
    p.keep_scale = keep; p.table_dtype = dtype_code<TTable>(); p.out_dtype = dtype_code<TOut>();

    bool ok = true;
    for (int version : {1, 2}) {
        LAB_CHECK(cudaMemcpy(d_out, out_initial.data(), out_elems * sizeof(TOut), cudaMemcpyHostToDevice));
        launch<TTable, TOut>(version, p);
        LAB_CHECK(cudaGetLastError());
        char what[112];
        std::snprintf(what, sizeof what, "embedding v%d %-4s -> %-4s %lld tok %lld seqs d%d%s%s", version,
                      dtype_name<TTable>(), dtype_name<TOut>(), static_cast<long long>(total),
                      static_cast<long long>(num_seqs), k.dim, k.table_pad + k.out_pad > 0 ? " padded" : "", k.label);
        // Rows of invalid ids must be NaN throughout; they are then zeroed on both sides for the numeric check.
        std::vector<TOut> actual = to_host(d_out, out_elems);
        std::vector<float> want = expected;
        for (int64_t t = 0; t < total; ++t) {
            if (!invalid_row[t]) continue;
            for (int c = 0; c < k.dim; ++c) {
                if (!std::isnan(as_float(actual[t * os + c]))) {
                    std::printf("%s: token %lld (id %d) column %d is %g, expected NaN  FAILED\n", what,
                                static_cast<long long>(t), tokens[t], c, as_float(actual[t * os + c]));
                    ok = false;
                }
                actual[t * os + c] = narrow<TOut>(0.f);
                want[t * os + c] = 0.f;
            }
        }
        ok &= validate_result(what, actual, want, 1e-6f, dtype_eps<TOut>() + 16 * FLT_EPSILON);
        if (time_it) {
            const float ms = benchmark_kernel(50, [&] { launch<TTable, TOut>(version, p); });
            const double bytes = static_cast<double>(total) * (2 * sizeof(int32_t) + k.dim * sizeof(TOut)) +
                                 static_cast<double>(kVocab) * k.dim * sizeof(TTable);
            const double gbs = bytes / ms / 1e6;
            std::printf("  %.4f ms  %.0f GB/s  %.0f%% of the %.0f GB/s roofline\n", ms, gbs,
                        100 * gbs / peak_memory_gbs(), peak_memory_gbs());
        }
    }
    for (void *ptr : {static_cast<void *>(d_tokens), static_cast<void *>(d_cu), static_cast<void *>(d_table),
                      static_cast<void *>(d_out), static_cast<void *>(d_divisor)}) {
        LAB_CHECK(cudaFree(ptr));
    }
    return ok;
}

std::vector<Case> awkward_cases() {
    std::mt19937 rng(7);
    std::vector<Case> cases;
    for (int dim : {1, 33, 320, 1280, 5120}) {
        Case single;
        single.sequences = {random_sequence(1, 0.0, rng)};
        single.dim = dim;
        cases.push_back(single);

        // 97, 1 and 1025 tokens with ~12% masks; <cls> <mask> (the <cls> row doubled); <mask> <mask> (divisor 0,
        // never used: every row is zero).
        Case mixed;
        mixed.sequences = {random_sequence(97, 0.12, rng), random_sequence(1, 0.0, rng),
                           random_sequence(1025, 0.12, rng), {kCls, kMask}, {kMask, kMask}};
        mixed.dim = dim;
        mixed.label = " masks";
        cases.push_back(mixed);
    }
    // Pads inside a sequence (zeroed, not counted) and ids outside the vocabulary (NaN rows), strided rows.
    Case odd;
    odd.sequences = {random_sequence(3, 0.0, rng), random_sequence(300, 0.2, rng)};
    odd.sequences[0][1] = -1;
    for (int i : {5, 6, 7, 150, 298}) odd.sequences[1][i] = kPad;
    odd.sequences[1][10] = kVocab;
    odd.sequences[1][11] = 1000;
    odd.dim = 33;
    odd.table_pad = 3;
    odd.out_pad = 5;
    odd.label = " pads, bad ids";
    cases.push_back(odd);
    // Token dropout off: <mask> is an ordinary row and nothing is rescaled.
    Case off;
    off.sequences = {random_sequence(97, 0.12, rng), random_sequence(33, 0.12, rng)};
    off.dim = 320;
    off.dropout = false;
    off.label = " no dropout";
    cases.push_back(off);
    return cases;
}

template <typename TTable>
bool run_every_out_dtype(const std::vector<Case> &cases) {
    bool ok = true;
    for (const Case &k : cases) {
        ok &= run<TTable, float>(k, false);
        ok &= run<TTable, __half>(k, false);
        ok &= run<TTable, __nv_bfloat16>(k, false);
    }
    return ok;
}

}  // namespace

int main() {
    const std::vector<Case> cases = awkward_cases();
    bool ok = run_every_out_dtype<float>(cases);
    ok &= run_every_out_dtype<__half>(cases);
    ok &= run_every_out_dtype<__nv_bfloat16>(cases);
    // 64 sequences of 512 tokens: the runtime's fp32 table into the fp32 residual stream, and bf16 throughout.
    std::mt19937 rng(11);
    for (int dim : {320, 1280, 2560}) {
        Case batch;
        for (int s = 0; s < 64; ++s) batch.sequences.push_back(random_sequence(512, 0.12, rng));
        batch.dim = dim;
        ok &= run<float, float>(batch, true);
        ok &= run<__nv_bfloat16, __nv_bfloat16>(batch, true);
    }
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
