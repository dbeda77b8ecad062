package org.esm2j.train.head;

import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;

/**
 * {@code y = x W^T + b} over the entries {@code <prefix>.weight} (out, in) and {@code <prefix>.bias} (out), with
 * sums in double. The building block of the heads; no saved state (the caller keeps the input).
 */
final class Linear {
    /** Hugging Face's initializer_range for ESM. */
    static final double INIT_STD = 0.02;

    private final String weightName;
    private final String biasName;
    private final int in;
    private final int out;

    Linear(String prefix, int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("linear '" + prefix + "' needs in, out >= 1: " + in + ", " + out);
        }
        this.weightName = prefix + ".weight";
        this.biasName = prefix + ".bias";
        this.in = in;
        this.out = out;
    }

    int in() {
        return in;
    }

    int out() {
        return out;
    }

    void declare(ParameterLayout.Builder layout) {
        layout.add(weightName, new long[] {out, in}, true);
        layout.add(biasName, new long[] {out}, true);
    }

    void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
        ParameterEntry w = layout.entry(weightName);
        for (int i = w.offset(), end = w.end(); i < end; i++) {
            params[i] = (float) (INIT_STD * random.nextGaussian());
        }
        ParameterEntry b = layout.entry(biasName);
        java.util.Arrays.fill(params, b.offset(), b.end(), 0f);
    }

    float[] forward(ParameterLayout layout, float[] params, float[] x, int rows) {
        HeadArguments.requireRows("input of '" + weightName + "'", x, rows, in);
        int w = layout.entry(weightName).offset();
        int b = layout.entry(biasName).offset();
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = params[b + o];
                int wRow = w + o * in;
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * params[wRow + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    /** Adds dW, db into {@code grads} and dx into {@code dx}. */
    void backward(ParameterLayout layout, float[] params, float[] grads, float[] x, float[] dy, float[] dx,
            int rows) {
        HeadArguments.requireRows("output gradient of '" + weightName + "'", dy, rows, out);
        HeadArguments.requireRows("input gradient of '" + weightName + "'", dx, rows, in);
        int w = layout.entry(weightName).offset();
        int b = layout.entry(biasName).offset();
        for (int o = 0; o < out; o++) {
            double db = 0;
            for (int r = 0; r < rows; r++) {
                db += dy[r * out + o];
            }
            grads[b + o] += (float) db;
            int wRow = w + o * in;
            for (int i = 0; i < in; i++) {
                double dw = 0;
                for (int r = 0; r < rows; r++) {
                    dw += (double) dy[r * out + o] * x[r * in + i];
                }
                grads[wRow + i] += (float) dw;
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int o = 0; o < out; o++) {
                    s += (double) dy[r * out + o] * params[w + o * in + i];
                }
                dx[r * in + i] += (float) s;
            }
        }
    }
}
