// layer_norm through esm2j_layer_norm_forward on the emulator, against the lab's fp64 reference with the lab's
// tolerance (1e-5 + |ref| * (4 eps(out) + 1e-5)): every dtype pair, in place, padded row strides, awkward shapes.
#include <type_traits>

#include "harness.h"
#include "layer_norm_reference.h"

namespace {

template <typename TIn, typename TOut>
bool run(int rows, int dim, int64_t stride, bool in_place) {
    std::vector<float> x = random_floats(static_cast<size_t>(rows) * stride, 1.f, 1);
    for (float &v : x) v += 3.f;  // an offset mean stresses the variance
    const std::vector<TIn> stored = stored_as<TIn>(x);
    std::vector<float> dense(static_cast<size_t>(rows) * dim);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < dim; ++c) dense[static_cast<size_t>(r) * dim + c] = x[static_cast<size_t>(r) * stride + c];
    }
    const std::vector<float> gamma = random_floats(dim, 1.f, 2), beta = random_floats(dim, 0.1f, 3);
    const std::vector<float> ref = layer_norm_reference(dense, gamma, beta, rows, dim);

    DeviceBuffer<TIn> d_x(stored);
    DeviceBuffer<float> d_gamma(gamma), d_beta(beta), d_mean(rows), d_rstd(rows);
    DeviceBuffer<TOut> d_y(in_place ? 0 : static_cast<size_t>(rows) * stride);
    esm2j_layer_norm_params p{};
    p.x = d_x.data;
    p.y = in_place ? static_cast<void *>(d_x.data) : static_cast<void *>(d_y.data);
    p.gamma = d_gamma.data;
    p.beta = d_beta.data;
    p.mean = d_mean.data;
    p.rstd = d_rstd.data;
    p.rows = rows;
    p.dim = dim;
    p.x_row_stride = stride;
    p.y_row_stride = stride;
    p.eps = 1e-5f;
    p.x_dtype = dtype_code<TIn>();
    p.y_dtype = dtype_code<TOut>();
    API_CHECK(esm2j_layer_norm_forward(&p));

    const std::vector<TOut> all = to_host(static_cast<const TOut *>(p.y), static_cast<size_t>(rows) * stride);
    std::vector<TOut> y(ref.size());
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < dim; ++c) y[static_cast<size_t>(r) * dim + c] = all[static_cast<size_t>(r) * stride + c];
    }
    char what[96];
    std::snprintf(what, sizeof what, "layer_norm %s->%s %dx%d stride %lld%s", dtype_name<TIn>(), dtype_name<TOut>(),
                  rows, dim, static_cast<long long>(stride), in_place ? " in place" : "");
    bool ok = validate_result(what, y, ref, 1e-5f, 4 * dtype_eps<TOut>() + 1e-5f);
    // The statistics outputs: mean and rstd of each row, fp32.
    std::vector<float> mean_ref(rows), rstd_ref(rows);
    for (int r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (int c = 0; c < dim; ++c) mean += dense[static_cast<size_t>(r) * dim + c];
        mean /= dim;
        for (int c = 0; c < dim; ++c) {
            const double d = dense[static_cast<size_t>(r) * dim + c] - mean;
            var += d * d;
        }
        mean_ref[r] = static_cast<float>(mean);
        rstd_ref[r] = static_cast<float>(1.0 / std::sqrt(var / dim + 1e-5));
    }
    ok &= validate_result("  mean", d_mean.host(), mean_ref, 1e-5f, 1e-5f);
    ok &= validate_result("  rstd", d_rstd.host(), rstd_ref, 1e-5f, 1e-5f);
    return ok;
}

}  // namespace

int main() {
    bool ok = true;
    for (int rows : {1, 5, 9}) {
        for (int dim : {1, 33, 320, 1279}) {
            ok &= run<float, float>(rows, dim, dim, false);
            ok &= run<float, __nv_bfloat16>(rows, dim, dim + 3, false);
            ok &= run<float, __half>(rows, dim, dim, false);
            ok &= run<__nv_bfloat16, float>(rows, dim, dim + 1, false);
            ok &= run<__half, __nv_bfloat16>(rows, dim, dim, false);
            ok &= run<float, float>(rows, dim, dim + 7, true);
            ok &= run<__nv_bfloat16, __nv_bfloat16>(rows, dim, dim, true);
            ok &= run<__half, __half>(rows, dim, dim + 2, true);
        }
    }
    return finish(ok);
}
