// Kernel lab: mixed-precision matmul y = epilogue(x W^T + bias), x (M, K), W (N, K) bf16/fp16, fp32 accumulation.
// Versions:
//   1  naive: one thread per output element, fp32 dot product in K order, epilogue in fp32, one rounding to y's
//      dtype. The same-precision noise floor for the error rule.
//   2  tensor cores, production (matmul/matmul.cuh): cp.async 4-stage pipeline, swizzled shared memory, ldmatrix,
//      mma.sync m16n8k16, in three tile configurations (128x128 / 8 warps, 128x64 and 64x64 / 4 warps); "auto" is
//      the launcher's wave-model choice (matmul::choose_tile).
//   cuBLASLt: the baseline, with the semantics of bindings' Gemm.java (TRANSA = T, bias epilogue, beta = 1 to
//      accumulate); where ours fuses bias + GELU, the baseline is cuBLASLt followed by bias_gelu (bias_gelu.cuh),
//      which is what production runs when cuBLASLt is chosen.
// Correctness: every tile configuration and the auto choice against an fp64 CPU reference computed from the same
// rounded inputs, on awkward shapes (rows 1, 97, 1025; out 40, 320, 3840; K = 328 and 40, not multiples of the
// 32-wide k-slice; padded row strides; odd y row stride that disables paired stores), epilogues none / bias /
// bias+GELU / bias+accumulate, y f32 / bf16 / f16, x bf16 and fp16. Rule: err(v2) <= 2 * err(v1) + atol, and every
// element within atol + |ref| * eps(y dtype). cuBLASLt is validated on the same references, so the timing below
// compares two correct GEMMs.
// Timing: CUDA events with an L2 flush, TFLOP/s = 2 M K N / time, on every ESM-2 GEMM (8M .. 15B: QKV, out_proj,
// fc1, fc2, LM dense, LM out with the vocabulary padded to 40) at M = 32768 (64 x 512 tokens) and 8192 (8 x 1024),
// each with its production epilogue; a Markdown table with the ratio ours / cuBLASLt (> 1: ours is faster), then the
// fastest forced configuration per shape to tune matmul::kTileSpeed.
// Build: needs cuBLASLt, which compile-only machines lack (CMake then skips this lab). On the GPU machine:
//   cmake -S . -B /tmp/lab -DESM2J_BUILD_KERNEL_LAB=ON && cmake --build /tmp/lab --target lab_matmul
//   or: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -gencode=arch=compute_80,code=sm_80
//       -Inative/include -Icuda-kernels cuda-kernels/dev/matmul.cu -lcublasLt -o lab_matmul
// Run on a GPU: ./lab_matmul   (validation, then timing; about a minute on an H100; exit status 1 on any failure)
#include <cublasLt.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "../bias_gelu.cuh"
#include "../matmul/matmul.cuh"
#include "common.h"

namespace {

using esm2j::matmul::Tile;

#define LT_CHECK(call)                                                                                   \
    do {                                                                                                 \
        cublasStatus_t lt_status_ = (call);                                                              \
        if (lt_status_ != CUBLAS_STATUS_SUCCESS) {                                                       \
            std::fprintf(stderr, "%s failed: %s at %s:%d\n", #call, cublasLtGetStatusString(lt_status_), \
                         __FILE__, __LINE__);                                                            \
            std::exit(1);                                                                                \
        }                                                                                                \
    } while (0)

// --- epilogues, shared by the CPU reference and the naive kernel -------------------------------------------------

struct Epilogue {
    bool bias;
    bool gelu;
    bool accumulate;
    const char *name;
};
constexpr Epilogue kNone{false, false, false, "none"};
constexpr Epilogue kBias{true, false, false, "bias"};
constexpr Epilogue kBiasGelu{true, true, false, "bias+gelu"};
constexpr Epilogue kBiasAccumulate{true, false, true, "bias+acc"};

template <typename T> cudaDataType_t cuda_type();
template <> cudaDataType_t cuda_type<float>() { return CUDA_R_32F; }
template <> cudaDataType_t cuda_type<__half>() { return CUDA_R_16F; }
template <> cudaDataType_t cuda_type<__nv_bfloat16>() { return CUDA_R_16BF; }

template <typename T> T host_from_float(float v);
template <> float host_from_float<float>(float v) { return v; }
template <> __half host_from_float<__half>(float v) { return __float2half_rn(v); }
template <> __nv_bfloat16 host_from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

double gelu_reference(double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }

// --- version 1: naive ---------------------------------------------------------------------------------------------

template <typename T, typename TOut>
__global__ void matmul_naive_kernel(const T *x, const T *w, TOut *y, const float *bias, int rows, int K, int N,
                                    int64_t x_row_stride, int64_t w_row_stride, int64_t y_row_stride, int gelu,
                                    int accumulate) {
    const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= static_cast<int64_t>(rows) * N) return;
    const int row = static_cast<int>(index / N), col = static_cast<int>(index % N);
    float v = 0.f;
    for (int k = 0; k < K; ++k) {
        v += esm2j::to_float(x[row * x_row_stride + k]) * esm2j::to_float(w[col * w_row_stride + k]);
    }
    if (bias != nullptr) v += bias[col];
    if (gelu) v = esm2j::gelu_erf(v);
    TOut *out = y + row * y_row_stride + col;
    if (accumulate) v += esm2j::to_float(*out);
    *out = esm2j::from_float<TOut>(v);
}

template <typename T, typename TOut>
void matmul_naive(const esm2j_matmul_params &p) {
    const int64_t total = p.rows * p.out;
    matmul_naive_kernel<T, TOut><<<static_cast<unsigned>((total + 255) / 256), 256, 0, p.stream>>>(
        static_cast<const T *>(p.x), static_cast<const T *>(p.w), static_cast<TOut *>(p.y), p.bias,
        static_cast<int>(p.rows), static_cast<int>(p.in), static_cast<int>(p.out), p.x_row_stride, p.w_row_stride,
        p.y_row_stride, p.gelu, p.accumulate);
}

// --- version 2: production, with a forced or the launcher's tile configuration -----------------------------------

template <typename T, typename TOut>
Tile auto_tile(int64_t rows, int64_t out) {
    int sm_count = 0, blocks[esm2j::matmul::kTileCount];
    LAB_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, 0));
    for (int t = 0; t < esm2j::matmul::kTileCount; ++t) {
        LAB_CHECK(esm2j::matmul::with_tile(static_cast<Tile>(t), [&](auto cfg) {
            return esm2j::matmul::blocks_per_sm<decltype(cfg), T, TOut>(&blocks[t]);
        }));
    }
    Tile tile = Tile::k64x64;
    if (!esm2j::matmul::choose_tile(rows, out, sm_count, blocks, &tile)) {
        std::fprintf(stderr, "no tile configuration for %lld x %lld\n", static_cast<long long>(rows),
                     static_cast<long long>(out));
        std::exit(1);
    }
    return tile;
}

template <typename T, typename TOut>
void matmul_tiled(const esm2j_matmul_params &p, Tile tile) {
    LAB_CHECK(esm2j::matmul::with_tile(tile, [&](auto cfg) {
        using Cfg = decltype(cfg);
        const cudaError_t error = esm2j::matmul::prepare_kernel<Cfg, T, TOut>();
        if (error == cudaSuccess) esm2j::matmul::matmul_forward<Cfg, T, TOut>(p);
        return error;
    }));
}

// --- cuBLASLt, as Gemm.java drives it -----------------------------------------------------------------------------

constexpr size_t kLtWorkspaceBytes = 32u << 20;

struct CublasLt {
    cublasLtHandle_t handle = nullptr;
    void *workspace = nullptr;
    CublasLt() {
        LT_CHECK(cublasLtCreate(&handle));
        LAB_CHECK(cudaMalloc(&workspace, kLtWorkspaceBytes));
    }
    ~CublasLt() {
        cudaFree(workspace);
        cublasLtDestroy(handle);
    }
};

// y (+)= x W^T (+ bias) with y^T = W x^T in column-major terms; bias only with an f32 y (the bias type follows D's),
// which is how production uses it. The plan is rebuilt per call: fine outside the timed region.
template <typename T, typename TOut>
struct LtPlan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulHeuristicResult_t heuristic{};
    const CublasLt &lt;
    float alpha = 1.f, beta = 0.f;

    LtPlan(const CublasLt &lt_, const esm2j_matmul_params &p) : lt(lt_) {
        beta = p.accumulate ? 1.f : 0.f;
        LT_CHECK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
        const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
        LT_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof transa));
        LT_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof transb));
        const cublasLtEpilogue_t epilogue = p.bias != nullptr ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
        LT_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue));
        if (p.bias != nullptr) {
            const void *bias = p.bias;
            LT_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
        }
        LT_CHECK(cublasLtMatrixLayoutCreate(&a, cuda_type<T>(), p.in, p.out, p.w_row_stride));
        LT_CHECK(cublasLtMatrixLayoutCreate(&b, cuda_type<T>(), p.in, p.rows, p.x_row_stride));
        LT_CHECK(cublasLtMatrixLayoutCreate(&c, cuda_type<TOut>(), p.out, p.rows, p.y_row_stride));
        cublasLtMatmulPreference_t preference = nullptr;
        LT_CHECK(cublasLtMatmulPreferenceCreate(&preference));
        const size_t limit = kLtWorkspaceBytes;
        LT_CHECK(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &limit,
                                                      sizeof limit));
        int found = 0;
        LT_CHECK(cublasLtMatmulAlgoGetHeuristic(lt.handle, desc, a, b, c, c, preference, 1, &heuristic, &found));
        LT_CHECK(cublasLtMatmulPreferenceDestroy(preference));
        if (found < 1) {
            std::fprintf(stderr, "cuBLASLt has no algorithm for %lld x %lld x %lld\n", static_cast<long long>(p.rows),
                         static_cast<long long>(p.in), static_cast<long long>(p.out));
            std::exit(1);
        }
    }
    ~LtPlan() {
        cublasLtMatrixLayoutDestroy(a);
        cublasLtMatrixLayoutDestroy(b);
        cublasLtMatrixLayoutDestroy(c);
        cublasLtMatmulDescDestroy(desc);
    }
    void run(const esm2j_matmul_params &p) const {
        LT_CHECK(cublasLtMatmul(lt.handle, desc, &alpha, p.w, a, p.x, b, &beta, p.y, c, p.y, c, &heuristic.algo,
                                lt.workspace, kLtWorkspaceBytes, p.stream));
    }
};

// What production runs when cuBLASLt is chosen for a bias+GELU GEMM: the GEMM without bias, then bias_gelu in place.
template <typename T, typename TOut>
void lt_then_bias_gelu(const LtPlan<T, TOut> &plan, const esm2j_matmul_params &p) {
    plan.run(p);
    esm2j_bias_gelu_params g{};
    g.x = p.y; g.y = p.y; g.bias = p.bias; g.rows = p.rows; g.cols = p.out;
    g.x_row_stride = p.y_row_stride; g.y_row_stride = p.y_row_stride; g.stream = p.stream;
    esm2j::bias_gelu_forward<TOut>(g);
}

// --- validation ---------------------------------------------------------------------------------------------------

struct Errors {
    double max_abs = 0;
};

template <typename TOut>
Errors max_error(const std::vector<TOut> &actual, const std::vector<float> &ref) {
    Errors e;
    for (size_t i = 0; i < ref.size(); ++i) e.max_abs = std::fmax(e.max_abs, std::fabs(as_float(actual[i]) - ref[i]));
    return e;
}

// y's elements of the logical (rows, out) view, gathered from a buffer with row stride y_stride.
template <typename TOut>
std::vector<TOut> gather(const TOut *device, int rows, int out, int64_t y_stride) {
    const std::vector<TOut> all = to_host(device, static_cast<size_t>(rows - 1) * y_stride + out);
    std::vector<TOut> v(static_cast<size_t>(rows) * out);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < out; ++c) v[static_cast<size_t>(r) * out + c] = all[r * y_stride + c];
    return v;
}

template <typename T, typename TOut>
bool validate_shape(const CublasLt &lt, int rows, int K, int N, int64_t x_stride, int64_t y_stride) {
    // Inputs rounded to T first, so the reference sees exactly what the GPU sees.
    std::vector<float> xf = random_floats(static_cast<size_t>(rows) * x_stride, 1.f, 11);
    std::vector<float> wf = random_floats(static_cast<size_t>(N) * K, 1.f / std::sqrt(static_cast<float>(K)), 12);
    const std::vector<float> bias = random_floats(N, 0.5f, 13);
    const std::vector<float> y0f = random_floats(static_cast<size_t>(rows) * y_stride, 1.f, 14);
    std::vector<T> x(xf.size()), w(wf.size());
    std::vector<TOut> y0(y0f.size());
    for (size_t i = 0; i < xf.size(); ++i) xf[i] = as_float(x[i] = host_from_float<T>(xf[i]));
    for (size_t i = 0; i < wf.size(); ++i) wf[i] = as_float(w[i] = host_from_float<T>(wf[i]));
    for (size_t i = 0; i < y0f.size(); ++i) y0[i] = host_from_float<TOut>(y0f[i]);

    std::vector<double> product(static_cast<size_t>(rows) * N);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < N; ++c) {
            double s = 0;
            for (int k = 0; k < K; ++k) s += static_cast<double>(xf[r * x_stride + k]) * wf[static_cast<size_t>(c) * K + k];
            product[static_cast<size_t>(r) * N + c] = s;
        }

    T *d_x = to_device(x), *d_w = to_device(w);
    float *d_bias = to_device(bias);
    TOut *d_y = to_device(y0);
    bool ok = true;
    for (const Epilogue &e : {kNone, kBias, kBiasGelu, kBiasAccumulate}) {
        std::vector<float> ref(product.size());
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < N; ++c) {
                double v = product[static_cast<size_t>(r) * N + c];
                if (e.bias) v += bias[c];
                if (e.gelu) v = gelu_reference(v);
                if (e.accumulate) v += as_float(y0[r * y_stride + c]);
                ref[static_cast<size_t>(r) * N + c] = static_cast<float>(v);
            }
        esm2j_matmul_params p{};
        p.x = d_x; p.w = d_w; p.y = d_y; p.bias = e.bias ? d_bias : nullptr;
        p.rows = rows; p.in = K; p.out = N; p.x_row_stride = x_stride; p.w_row_stride = K; p.y_row_stride = y_stride;
        p.in_dtype = dtype_code<T>(); p.y_dtype = dtype_code<TOut>(); p.gelu = e.gelu; p.accumulate = e.accumulate;
        auto reset_y = [&] { LAB_CHECK(cudaMemcpy(d_y, y0.data(), y0.size() * sizeof(TOut), cudaMemcpyHostToDevice)); };

        reset_y();
        matmul_naive<T, TOut>(p);
        LAB_CHECK(cudaDeviceSynchronize());
        const double naive_err = max_error(gather(d_y, rows, N, y_stride), ref).max_abs;
        // Accumulation-order noise of fp32 over K terms of O(1) products (tensor cores align and round partial sums
        // differently from a sequential loop), as an absolute floor; still 10x below one bf16 ulp of an O(1) output.
        const float atol = 2e-5f * std::sqrt(static_cast<float>(K));
        const float rel = dtype_eps<TOut>() + 1e-5f;

        auto check = [&](const char *version, const std::vector<TOut> &got) {
            char what[160];
            std::snprintf(what, sizeof what, "%s x%s y%s %dx%dx%d xs%lld ys%lld %s", version, dtype_name<T>(),
                          dtype_name<TOut>(), rows, K, N, static_cast<long long>(x_stride),
                          static_cast<long long>(y_stride), e.name);
            bool pass = validate_result(what, got, ref, atol, rel);
            const double err = max_error(got, ref).max_abs;
            if (!(err <= 2 * naive_err + atol)) {
                std::printf("  FAILED: err %.3e > 2 * naive err %.3e + %.1e\n", err, naive_err, atol);
                pass = false;
            }
            return pass;
        };
        for (int t = 0; t < esm2j::matmul::kTileCount; ++t) {
            reset_y();
            matmul_tiled<T, TOut>(p, static_cast<Tile>(t));
            LAB_CHECK(cudaDeviceSynchronize());
            ok &= check(esm2j::matmul::tile_name(static_cast<Tile>(t)), gather(d_y, rows, N, y_stride));
        }
        reset_y();
        matmul_tiled<T, TOut>(p, auto_tile<T, TOut>(p.rows, p.out));
        LAB_CHECK(cudaDeviceSynchronize());
        ok &= check("auto", gather(d_y, rows, N, y_stride));
        // The baseline as production drives it: GELU as a separate kernel after a GEMM without bias, and the bias
        // epilogue only into an f32 y.
        if (e.gelu) {
            esm2j_matmul_params plain = p;
            plain.bias = nullptr;
            plain.gelu = 0;
            reset_y();
            LtPlan<T, TOut> plan(lt, plain);
            lt_then_bias_gelu(plan, p);
            LAB_CHECK(cudaDeviceSynchronize());
            ok &= check("cublasLt+bias_gelu", gather(d_y, rows, N, y_stride));
        } else if (dtype_code<TOut>() == ESM2J_DTYPE_F32 || !e.bias) {
            reset_y();
            LtPlan<T, TOut> plan(lt, p);
            plan.run(p);
            LAB_CHECK(cudaDeviceSynchronize());
            ok &= check("cublasLt", gather(d_y, rows, N, y_stride));
        }
    }
    LAB_CHECK(cudaFree(d_x)); LAB_CHECK(cudaFree(d_w)); LAB_CHECK(cudaFree(d_bias)); LAB_CHECK(cudaFree(d_y));
    return ok;
}

// --- timing -------------------------------------------------------------------------------------------------------

template <typename T>
__global__ void fill_uniform_kernel(T *x, int64_t n, uint32_t seed, float scale) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed ^ static_cast<uint32_t>(i >> 32) * 40503u;
        h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
        x[i] = esm2j::from_float<T>(scale * (static_cast<float>(h) * (2.f / 4294967296.f) - 1.f));
    }
}

template <typename T>
T *random_device(int64_t n, uint32_t seed, float scale) {
    T *d = nullptr;
    LAB_CHECK(cudaMalloc(&d, n * sizeof(T)));
    fill_uniform_kernel<T><<<1024, 256>>>(d, n, seed, scale);
    LAB_CHECK(cudaGetLastError());
    return d;
}

struct Model {
    const char *name;
    int d;
};

struct Gemm {
    const char *name;
    int k_per_d4;   // K in quarters of D (4: D, 16: 4D)
    int n_per_d4;   // N in quarters of D, or 0 for the 40 padded vocabulary columns
    bool f32_out;   // accumulates into / writes the fp32 residual or logits
    Epilogue epilogue;
};

struct Timing {
    double ours_ms, lt_ms, best_forced_ms;
    Tile chosen, best_forced;
};

// Repeats so that one shape takes about 40 ms per implementation (at least 2, at most 20).
int repeats_for(double flop) { return std::max(2, std::min(20, static_cast<int>(40e-3 * 300e12 / flop))); }

template <typename TOut>
Timing time_shape(const CublasLt &lt, int M, int K, int N, const Epilogue &e, bool forced_configs) {
    using T = __nv_bfloat16;
    T *x = random_device<T>(static_cast<int64_t>(M) * K, 1, 1.f);
    T *w = random_device<T>(static_cast<int64_t>(N) * K, 2, 1.f / std::sqrt(static_cast<float>(K)));
    float *bias = random_device<float>(N, 3, 0.1f);
    TOut *y = random_device<TOut>(static_cast<int64_t>(M) * N, 4, 1.f);
    esm2j_matmul_params p{};
    p.x = x; p.w = w; p.y = y; p.bias = e.bias ? bias : nullptr;
    p.rows = M; p.in = K; p.out = N; p.x_row_stride = K; p.w_row_stride = K; p.y_row_stride = N;
    p.in_dtype = ESM2J_DTYPE_BF16; p.y_dtype = dtype_code<TOut>(); p.gelu = e.gelu; p.accumulate = e.accumulate;
    const int reps = repeats_for(2.0 * M * K * N);

    Timing t{};
    t.chosen = auto_tile<T, TOut>(M, N);
    t.ours_ms = benchmark_kernel(reps, [&] { matmul_tiled<T, TOut>(p, t.chosen); });
    if (e.gelu) {
        esm2j_matmul_params plain = p;
        plain.bias = nullptr;
        plain.gelu = 0;
        LtPlan<T, TOut> plan(lt, plain);
        t.lt_ms = benchmark_kernel(reps, [&] { lt_then_bias_gelu(plan, p); });
    } else {
        LtPlan<T, TOut> plan(lt, p);
        t.lt_ms = benchmark_kernel(reps, [&] { plan.run(p); });
    }
    t.best_forced = t.chosen;
    t.best_forced_ms = t.ours_ms;
    if (forced_configs) {
        for (int c = 0; c < esm2j::matmul::kTileCount; ++c) {
            if (static_cast<Tile>(c) == t.chosen) continue;
            const double ms = benchmark_kernel(reps, [&] { matmul_tiled<T, TOut>(p, static_cast<Tile>(c)); });
            if (ms < t.best_forced_ms) {
                t.best_forced_ms = ms;
                t.best_forced = static_cast<Tile>(c);
            }
        }
    }
    LAB_CHECK(cudaFree(x)); LAB_CHECK(cudaFree(w)); LAB_CHECK(cudaFree(bias)); LAB_CHECK(cudaFree(y));
    return t;
}

}  // namespace

int main() {
    CublasLt lt;
    bool ok = true;

    std::printf("== validation\n");
    // (rows, K, N, x row stride, y row stride): the LM head's 40 columns, D = 320 and 3 x 1280 outputs, K not a
    // multiple of 32 (zero-filled slices), padded x rows, an odd y stride (no paired stores).
    struct Shape { int K, N; int64_t x_pad, y_pad; };
    const Shape shapes[] = {{320, 40, 0, 0}, {328, 320, 8, 0}, {320, 3840, 0, 0}, {40, 320, 16, 3}};
    for (int rows : {1, 97, 1025}) {
        for (const Shape &s : shapes) {
            ok &= validate_shape<__nv_bfloat16, float>(lt, rows, s.K, s.N, s.K + s.x_pad, s.N + s.y_pad);
            ok &= validate_shape<__nv_bfloat16, __nv_bfloat16>(lt, rows, s.K, s.N, s.K + s.x_pad, s.N + s.y_pad);
        }
    }
    ok &= validate_shape<__half, __half>(lt, 97, 328, 320, 328, 320);
    ok &= validate_shape<__half, float>(lt, 1025, 320, 40, 336, 41);
    std::printf(ok ? "validation OK\n" : "validation FAILED\n");

    std::printf("\n== timing (bf16 inputs; %s)\n", "ratio = cuBLASLt time / our time, > 1: ours is faster");
    const Model models[] = {{"8M", 320}, {"35M", 480}, {"150M", 640}, {"650M", 1280}, {"3B", 2560}, {"15B", 5120}};
    const Gemm gemms[] = {{"QKV", 4, 12, false, kNone},          {"out_proj", 4, 4, true, kBiasAccumulate},
                          {"fc1", 4, 16, false, kBiasGelu},      {"fc2", 16, 4, true, kBiasAccumulate},
                          {"LM dense", 4, 4, false, kBiasGelu},  {"LM out", 4, 0, true, kBias}};
    std::printf("| model | gemm | M x K x N | epilogue | tile | ours ms | ours TFLOP/s | cuBLASLt TFLOP/s | ratio |"
                " best forced tile |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    int faster = 0, total = 0;
    for (int M : {32768, 8192}) {
        for (const Model &m : models) {
            for (const Gemm &g : gemms) {
                const int K = m.d * g.k_per_d4 / 4, N = g.n_per_d4 == 0 ? 40 : m.d * g.n_per_d4 / 4;
                const double flop = 2.0 * M * K * N;
                // Forced configurations cost extra runs: only below ~1 TFLOP per call.
                const bool forced = flop < 1e12;
                const Timing t = g.f32_out ? time_shape<float>(lt, M, K, N, g.epilogue, forced)
                                           : time_shape<__nv_bfloat16>(lt, M, K, N, g.epilogue, forced);
                const double ratio = t.lt_ms / t.ours_ms;
                faster += ratio > 1;
                ++total;
                std::printf("| %s | %s | %d x %d x %d | %s%s | %s | %.4f | %.1f | %.1f | %.2f | %s |\n", m.name,
                            g.name, M, K, N, g.epilogue.name, g.epilogue.gelu ? " (LT: +bias_gelu kernel)" : "",
                            esm2j::matmul::tile_name(t.chosen), t.ours_ms, flop / t.ours_ms / 1e9,
                            flop / t.lt_ms / 1e9, ratio,
                            forced ? (std::string(esm2j::matmul::tile_name(t.best_forced)) +
                                      (t.best_forced == t.chosen ? "" : " (" + std::to_string(t.best_forced_ms) + " ms)"))
                                         .c_str()
                                   : "-");
            }
        }
    }
    std::printf("\nours faster on %d of %d shapes\n", faster, total);
    std::printf(ok ? "ALL OK\n" : "FAILURES\n");
    return ok ? 0 : 1;
}
