// The embedding lab's validation (dev/embedding.cu), shared with the emulator tests (../emu/tests): packed batches
// with masks, pads and out-of-vocabulary ids, the fp64 expected output (padding untouched, NaN rows for bad ids) and
// the check; the kernels themselves are enqueued by a caller-supplied function.
#pragma once

#include <cfloat>
#include <cstdint>
#include <initializer_list>
#include <random>

#include "common.h"

namespace embedding_lab {

constexpr int kVocab = 33, kCls = 0, kPad = 1, kEos = 2, kMask = 32;
const float kKeep = static_cast<float>(1 - 0.15 * 0.8);  // fair-esm's 1 - mask_ratio_train, as the runtime passes it

// --- batches, reference and driver ----------------------------------------------------------------------------------

// <cls> residues <eos> (a lone <cls> for length 1), each residue replaced by <mask> with probability mask_fraction.
inline std::vector<int32_t> random_sequence(int length, double mask_fraction, std::mt19937 &rng) {
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

// Validates (and with time_it, times) each of `versions` on one case; launch(version, params) enqueues a version (the
// lab calls its kernels, the emulator tests the C entry point as version 1).
template <typename TTable, typename TOut, typename Launch>
bool run(const Case &k, bool time_it, std::initializer_list<int> versions, Launch &&launch) {
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
    for (int version : versions) {
        LAB_CHECK(cudaMemcpy(d_out, out_initial.data(), out_elems * sizeof(TOut), cudaMemcpyHostToDevice));
        launch(version, p);
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
            const float ms = benchmark_kernel(50, [&] { launch(version, p); });
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

// The validation cases: for each of `dims`, a single token and a mixed batch with a `long_length` sequence; pads and
// out-of-vocabulary ids with strided rows; token dropout off.
inline std::vector<Case> awkward_cases(std::initializer_list<int> dims, int long_length) {
    std::mt19937 rng(7);
    std::vector<Case> cases;
    for (int dim : dims) {
        Case single;
        single.sequences = {random_sequence(1, 0.0, rng)};
        single.dim = dim;
        cases.push_back(single);

        // 97, 1 and long_length tokens with ~12% masks; <cls> <mask> (the <cls> row doubled); <mask> <mask> (divisor 0,
        // never used: every row is zero).
        Case mixed;
        mixed.sequences = {random_sequence(97, 0.12, rng), random_sequence(1, 0.0, rng),
                           random_sequence(long_length, 0.12, rng), {kCls, kMask}, {kMask, kMask}};
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

}  // namespace embedding_lab
