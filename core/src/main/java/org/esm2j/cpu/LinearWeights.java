package org.esm2j.cpu;

/**
 * A linear layer {@code y = x W^T + b} prepared for the GEMM kernel: the PyTorch (out, in) weight is stored transposed,
 * (in, out) row-major, so that the kernel streams contiguous output columns.
 */
final class LinearWeights {
    final int inFeatures;
    final int outFeatures;
    final float[] weightT; // (in, out)
    final float[] bias; // (out) or null

    private LinearWeights(int inFeatures, int outFeatures, float[] weightT, float[] bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weightT = weightT;
        this.bias = bias;
    }

    /** From a PyTorch-layout weight (out, in) row-major and an optional bias (out). */
    static LinearWeights fromTorch(float[] weight, int outFeatures, int inFeatures, float[] bias) {
        if (weight.length != outFeatures * inFeatures) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected (" + outFeatures
                    + " x " + inFeatures + ")");
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + outFeatures);
        }
        float[] t = new float[weight.length];
        for (int o = 0; o < outFeatures; o++) {
            for (int i = 0; i < inFeatures; i++) {
                t[i * outFeatures + o] = weight[o * inFeatures + i];
            }
        }
        return new LinearWeights(inFeatures, outFeatures, t, bias);
    }

    /** Several layers with the same input stacked along the output axis, e.g. q, k and v into one (D, 3D) GEMM. */
    static LinearWeights concatOutputs(LinearWeights... parts) {
        int in = parts[0].inFeatures;
        int out = 0;
        for (LinearWeights p : parts) {
            if (p.inFeatures != in || p.bias == null) {
                throw new IllegalArgumentException("concatenated layers need the same input size and a bias");
            }
            out += p.outFeatures;
        }
        float[] t = new float[in * out];
        float[] bias = new float[out];
        int col = 0;
        for (LinearWeights p : parts) {
            for (int i = 0; i < in; i++) {
                System.arraycopy(p.weightT, i * p.outFeatures, t, i * out + col, p.outFeatures);
            }
            System.arraycopy(p.bias, 0, bias, col, p.outFeatures);
            col += p.outFeatures;
        }
        return new LinearWeights(in, out, t, bias);
    }
}
