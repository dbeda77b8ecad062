// matmul through esm2j_matmul_forward on the emulator, with the matmul lab's rules (dev/matmul.cu): against an fp64
// reference of the rounded inputs, every element within atol + |ref| * (eps(y) + 1e-5) with atol = 2e-5 sqrt(K), and
// err <= 2 * err(naive fp32) + atol, the naive noise floor (fp32 dot product in K order, one rounding, as the lab's v1)
// computed here on the host. Every tile configuration (the launcher's choice, steered by the emulated SM count and
// the shape; the test checks that all three ran), every epilogue (none, bias, bias+GELU, bias+accumulate), x bf16/f16,
// y f32/bf16/f16, K below one 32-wide k-slice and fewer k-slices than pipeline stages, padded x rows, odd y strides.
#include <set>

#include "emulator.h"
#include "harness.h"
#include "matmul/matmul.cuh"

namespace {

struct Epilogue {
    bool bias, gelu, accumulate;
    const char *name;
};
constexpr Epilogue kEpilogues[] = {{false, false, false, "none"},
                                   {true, false, false, "bias"},
                                   {true, true, false, "bias+gelu"},
                                   {true, false, true, "bias+acc"}};

double gelu_reference(double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }
float gelu_fp32(float v) { return v * 0.5f * (1.f + std::erf(v / 1.41421356237309515f)); }

double max_abs(const std::vector<float> &a, const std::vector<float> &ref) {
    double err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double d = std::fabs(static_cast<double>(a[i]) - ref[i]);
        if (std::isnan(d)) return INFINITY;
        err = std::max(err, d);
    }
    return err;
}

// The tile configuration of the last launch, told apart by its dynamic shared memory.
const char *launched_tile() {
    namespace mm = esm2j::matmul;
    const size_t bytes = esm2j_emu::last_launch().dynamic_shared_bytes;
    if (bytes == mm::Tile128x128::kSmemBytes) return "128x128";
    if (bytes == mm::Tile128x64::kSmemBytes) return "128x64";
    if (bytes == mm::Tile64x64::kSmemBytes) return "64x64";
    return "?";
}

std::set<std::string> tiles_seen;

template <typename T, typename TOut>
bool run(int rows, int K, int N, int64_t x_stride, int64_t y_stride, int sm_count) {
    esm2j_emu::set_sm_count(sm_count);
    std::vector<float> xf = random_floats(static_cast<size_t>(rows) * x_stride, 1.f, 11);
    std::vector<float> wf = random_floats(static_cast<size_t>(N) * K, 1.f / std::sqrt(static_cast<float>(K)), 12);
    const std::vector<float> bias = random_floats(N, 0.5f, 13);
    std::vector<float> y0f = random_floats(static_cast<size_t>(rows) * y_stride, 1.f, 14);
    const std::vector<T> x = stored_as<T>(xf), w = stored_as<T>(wf);
    const std::vector<TOut> y0 = stored_as<TOut>(y0f);

    DeviceBuffer<T> d_x(x), d_w(w);
    DeviceBuffer<float> d_bias(bias);
    DeviceBuffer<TOut> d_y(y0);
    bool ok = true;
    for (const Epilogue &e : kEpilogues) {
        std::vector<float> ref(static_cast<size_t>(rows) * N), naive(ref.size());
        for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < N; ++c) {
                double v = 0;
                float f = 0.f;
                for (int k = 0; k < K; ++k) {
                    v += static_cast<double>(xf[r * x_stride + k]) * wf[static_cast<size_t>(c) * K + k];
                    f += xf[r * x_stride + k] * wf[static_cast<size_t>(c) * K + k];
                }
                if (e.bias) v += bias[c], f += bias[c];
                if (e.gelu) v = gelu_reference(v), f = gelu_fp32(f);
                if (e.accumulate) v += y0f[r * y_stride + c], f += y0f[r * y_stride + c];
                ref[static_cast<size_t>(r) * N + c] = static_cast<float>(v);
                naive[static_cast<size_t>(r) * N + c] = as_float(narrow<TOut>(f));
            }
        }
        LAB_CHECK(cudaMemcpy(d_y.data, y0.data(), y0.size() * sizeof(TOut), cudaMemcpyHostToDevice));
        esm2j_matmul_params p{};
        p.x = d_x.data;
        p.w = d_w.data;
        p.y = d_y.data;
        p.bias = e.bias ? d_bias.data : nullptr;
        p.rows = rows;
        p.in = K;
        p.out = N;
        p.x_row_stride = x_stride;
        p.w_row_stride = K;
        p.y_row_stride = y_stride;
        p.in_dtype = dtype_code<T>();
        p.y_dtype = dtype_code<TOut>();
        p.gelu = e.gelu;
        p.accumulate = e.accumulate;
        API_CHECK(esm2j_matmul_forward(&p));
        const char *tile = launched_tile();
        tiles_seen.insert(tile);

        const std::vector<TOut> all = d_y.host();
        std::vector<TOut> got(ref.size());
        std::vector<float> got_f(ref.size());
        for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < N; ++c) {
                got[static_cast<size_t>(r) * N + c] = all[r * y_stride + c];
                got_f[static_cast<size_t>(r) * N + c] = as_float(all[r * y_stride + c]);
            }
        }
        // The padding between y rows stays as it was.
        for (int r = 0; r < rows; ++r) {
            for (int64_t c = N; c < y_stride && r * y_stride + c < static_cast<int64_t>(all.size()); ++c) {
                if (std::memcmp(&all[r * y_stride + c], &y0[r * y_stride + c], sizeof(TOut)) != 0) {
                    std::printf("  FAILED: y padding changed at row %d column %lld\n", r, static_cast<long long>(c));
                    ok = false;
                    break;
                }
            }
        }
        const float atol = 2e-5f * std::sqrt(static_cast<float>(K));
        char what[160];
        std::snprintf(what, sizeof what, "%s x%s y%s %dx%dx%d xs%lld ys%lld sm%d %s", tile, dtype_name<T>(),
                      dtype_name<TOut>(), rows, K, N, static_cast<long long>(x_stride),
                      static_cast<long long>(y_stride), sm_count, e.name);
        ok &= validate_result(what, got, ref, atol, dtype_eps<TOut>() + 1e-5f);
        const double err = max_abs(got_f, ref), naive_err = max_abs(naive, ref);
        if (!(err <= 2 * naive_err + atol)) {
            std::printf("  FAILED: err %.3e > 2 * naive err %.3e + %.1e\n", err, naive_err, atol);
            ok = false;
        }
    }
    return ok;
}

template <typename T, typename TOut>
bool run_shapes() {
    bool ok = true;
    ok &= run<T, TOut>(1, 16, 40, 16, 40, 132);     // one row, one k-slice of 16: fewer k-slices than stages
    ok &= run<T, TOut>(37, 40, 40, 48, 41, 132);    // padded x rows, odd y stride (no paired stores), 2 k-slices
    ok &= run<T, TOut>(130, 136, 136, 136, 137, 1); // 64x64 on one SM; 5 k-slices, more than the 4 stages
    ok &= run<T, TOut>(128, 72, 256, 72, 256, 1);   // 128x64
    ok &= run<T, TOut>(256, 40, 384, 40, 385, 1);   // 128x128
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    ok &= run_shapes<__nv_bfloat16, float>();
    ok &= run_shapes<__nv_bfloat16, __nv_bfloat16>();
    ok &= run_shapes<__half, __half>();
    ok &= run<__half, float>(37, 40, 40, 48, 41, 132);
    ok &= run<__nv_bfloat16, __half>(130, 136, 136, 136, 137, 1);
    ok &= run<__half, __nv_bfloat16>(256, 40, 384, 40, 385, 1);
    for (const char *tile : {"128x128", "128x64", "64x64"}) {
        if (tiles_seen.count(tile) == 0) {
            std::printf("FAILED: no shape ran the %s configuration\n", tile);
            ok = false;
        }
    }
    return finish(ok);
}
