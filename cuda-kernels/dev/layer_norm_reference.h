// The fp64 LayerNorm reference of the layer_norm lab, shared with the emulator tests (../emu/tests).
#pragma once

#include <cmath>
#include <vector>

// fp64 statistics, the same affine formula; eps 1e-5 as ESM-2.
inline std::vector<float> layer_norm_reference(const std::vector<float> &x, const std::vector<float> &gamma,
                                               const std::vector<float> &beta, int rows, int dim) {
    std::vector<float> y(x.size());
    for (int r = 0; r < rows; ++r) {
        const float *xr = &x[static_cast<size_t>(r) * dim];
        double mean = 0, var = 0;
        for (int i = 0; i < dim; ++i) mean += xr[i];
        mean /= dim;
        for (int i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var /= dim;
        const double rstd = 1.0 / std::sqrt(var + 1e-5);
        for (int i = 0; i < dim; ++i) y[static_cast<size_t>(r) * dim + i] = (xr[i] - mean) * rstd * gamma[i] + beta[i];
    }
    return y;
}
