// The row-wise families through their C entry points on the emulator, against fp64 references with the labs'
// tolerances: bias_gelu (2e-6 + |ref| (eps + 8 FLT_EPSILON), in place and padded), residual_add (every dtype pair, a
// residual wider than delta), log_softmax (cached widths 1..128 and the streaming kernel, in place; 1e-5 + |ref| 1e-5),
// and fill_random bit-exact against a host SplitMix64 written from the documented formula (fill_random.cuh).
#include <cfloat>

#include "harness.h"

namespace {

template <typename T>
bool bias_gelu(int rows, int cols, int64_t stride, bool in_place, bool with_bias) {
    std::vector<float> x = uniform_floats(static_cast<size_t>(rows) * stride, 5.f, 21);
    const std::vector<T> stored = stored_as<T>(x);
    const std::vector<float> bias = random_floats(cols, 0.5f, 22);
    std::vector<float> ref(static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            const double v = static_cast<double>(x[r * stride + c]) + (with_bias ? bias[c] : 0.f);
            ref[static_cast<size_t>(r) * cols + c] = static_cast<float>(0.5 * v * std::erfc(-v / std::sqrt(2.0)));
        }
    }
    DeviceBuffer<T> d_x(stored), d_y(static_cast<size_t>(rows) * stride);
    DeviceBuffer<float> d_bias(bias);
    esm2j_bias_gelu_params p{};
    p.x = d_x.data;
    p.y = in_place ? d_x.data : d_y.data;
    p.bias = with_bias ? d_bias.data : nullptr;
    p.rows = rows;
    p.cols = cols;
    p.x_row_stride = stride;
    p.y_row_stride = stride;
    p.dtype = dtype_code<T>();
    API_CHECK(esm2j_bias_gelu_forward(&p));
    const std::vector<T> all = (in_place ? d_x : d_y).host();
    std::vector<T> got(ref.size());
    bool ok = true;
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) got[static_cast<size_t>(r) * cols + c] = all[r * stride + c];
        // In place, the padding between rows keeps the input.
        for (int64_t c = cols; in_place && c < stride; ++c) {
            ok &= std::memcmp(&all[r * stride + c], &stored[r * stride + c], sizeof(T)) == 0;
        }
    }
    char what[96];
    std::snprintf(what, sizeof what, "bias_gelu %s %dx%d stride %lld%s%s", dtype_name<T>(), rows, cols,
                  static_cast<long long>(stride), in_place ? " in place" : "", with_bias ? "" : " no bias");
    return validate_result(what, got, ref, 2e-6f, dtype_eps<T>() + 8 * FLT_EPSILON) && ok;
}

template <typename TRes, typename TDelta>
bool residual_add(int rows, int cols, int64_t res_stride, int64_t delta_stride) {
    std::vector<float> res = random_floats(static_cast<size_t>(rows) * res_stride, 1.f, 31);
    std::vector<float> delta = random_floats(static_cast<size_t>(rows) * delta_stride, 1.f, 32);
    const std::vector<TRes> res_stored = stored_as<TRes>(res);
    const std::vector<TDelta> delta_stored = stored_as<TDelta>(delta);
    const std::vector<float> bias = random_floats(cols, 0.5f, 33);
    std::vector<float> ref(static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            ref[static_cast<size_t>(r) * cols + c] = static_cast<float>(
                static_cast<double>(res[r * res_stride + c]) + delta[r * delta_stride + c] + bias[c]);
        }
    }
    DeviceBuffer<TRes> d_res(res_stored);
    DeviceBuffer<TDelta> d_delta(delta_stored);
    DeviceBuffer<float> d_bias(bias);
    esm2j_residual_add_params p{};
    p.residual = d_res.data;
    p.delta = d_delta.data;
    p.bias = d_bias.data;
    p.rows = rows;
    p.cols = cols;
    p.residual_row_stride = res_stride;
    p.delta_row_stride = delta_stride;
    p.residual_dtype = dtype_code<TRes>();
    p.delta_dtype = dtype_code<TDelta>();
    API_CHECK(esm2j_residual_add_forward(&p));
    const std::vector<TRes> all = d_res.host();
    std::vector<TRes> got(ref.size());
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) got[static_cast<size_t>(r) * cols + c] = all[r * res_stride + c];
    }
    char what[96];
    std::snprintf(what, sizeof what, "residual_add %s+=%s %dx%d", dtype_name<TRes>(), dtype_name<TDelta>(), rows, cols);
    return validate_result(what, got, ref, 1e-6f, dtype_eps<TRes>() + 2 * FLT_EPSILON);
}

bool log_softmax(int rows, int cols, int64_t stride, bool in_place) {
    const std::vector<float> x = random_floats(static_cast<size_t>(rows) * stride, 4.f, 41);
    std::vector<float> ref(static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r) {
        double max = -INFINITY, sum = 0;
        for (int c = 0; c < cols; ++c) max = std::max(max, static_cast<double>(x[r * stride + c]));
        for (int c = 0; c < cols; ++c) sum += std::exp(x[r * stride + c] - max);
        for (int c = 0; c < cols; ++c) ref[static_cast<size_t>(r) * cols + c] = x[r * stride + c] - max - std::log(sum);
    }
    DeviceBuffer<float> d_x(x), d_out(x.size());
    esm2j_log_softmax_params p{};
    p.x = d_x.data;
    p.out = in_place ? d_x.data : d_out.data;
    p.rows = rows;
    p.cols = cols;
    p.x_row_stride = stride;
    p.out_row_stride = stride;
    API_CHECK(esm2j_log_softmax_forward(&p));
    const std::vector<float> all = (in_place ? d_x : d_out).host();
    std::vector<float> got(ref.size());
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) got[static_cast<size_t>(r) * cols + c] = all[r * stride + c];
    }
    char what[96];
    std::snprintf(what, sizeof what, "log_softmax %dx%d stride %lld%s", rows, cols, static_cast<long long>(stride),
                  in_place ? " in place" : "");
    return validate_result(what, got, ref, 1e-5f, 1e-5f);
}

// SplitMix64 (Steele, Lea, Flood): the i-th output of a generator seeded with `seed`; the top 23 bits k give
// (k + 0.5) 2^-22 - 1, scaled in fp32, rounded once to T.
template <typename T>
T host_random(uint64_t seed, uint64_t i, float scale) {
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const double u = (static_cast<double>(z >> 41) + 0.5) / 4194304.0 - 1.0;  // exact in fp32 too
    return narrow<T>(scale * static_cast<float>(u));
}

template <typename T>
bool fill_random(int64_t count, uint64_t seed, float scale) {
    DeviceBuffer<T> d_x(static_cast<size_t>(count));
    esm2j_fill_random_params p{};
    p.x = d_x.data;
    p.count = count;
    p.seed = seed;
    p.scale = scale;
    p.dtype = dtype_code<T>();
    API_CHECK(esm2j_fill_random(&p));
    const std::vector<T> got = d_x.host();
    for (int64_t i = 0; i < count; ++i) {
        const T expected = host_random<T>(seed, static_cast<uint64_t>(i), scale);
        if (std::memcmp(&got[i], &expected, sizeof(T)) != 0) {
            std::printf("fill_random %s count %lld seed %llu: element %lld is %.9g, expected %.9g  FAILED\n",
                        dtype_name<T>(), static_cast<long long>(count), static_cast<unsigned long long>(seed),
                        static_cast<long long>(i), as_float(got[i]), as_float(expected));
            return false;
        }
    }
    std::printf("fill_random %s count %lld seed %llu: bit-exact  OK\n", dtype_name<T>(), static_cast<long long>(count),
                static_cast<unsigned long long>(seed));
    return true;
}

}  // namespace

int main() {
    bool ok = true;
    for (int cols : {1, 33, 300}) {
        ok &= bias_gelu<float>(3, cols, cols, false, true);
        ok &= bias_gelu<__nv_bfloat16>(3, cols, cols + 5, true, true);
        ok &= bias_gelu<__half>(2, cols, cols, false, false);
        ok &= residual_add<float, __nv_bfloat16>(3, cols, cols + 4, cols);
        ok &= residual_add<float, float>(2, cols, cols, cols + 1);
        ok &= residual_add<__nv_bfloat16, __half>(2, cols, cols, cols);
        ok &= residual_add<__half, float>(2, cols, cols + 2, cols);
    }
    for (int cols : {1, 32, 33, 64, 65, 128, 129, 300}) {
        ok &= log_softmax(9, cols, cols, false);
        ok &= log_softmax(3, cols, cols + 3, true);
    }
    // Counts around the block size and past one full grid of blocks would be too slow here; the grid-stride loop is
    // the same for every element.
    for (int64_t count : {int64_t{1}, int64_t{255}, int64_t{257}, int64_t{4099}}) {
        ok &= fill_random<float>(count, 42, 0.5f);
        ok &= fill_random<__nv_bfloat16>(count, 7, 2.f);
        ok &= fill_random<__half>(count, 0xFFFFFFFFFFFFFFFFull, 1.f);
    }
    return finish(ok);
}
