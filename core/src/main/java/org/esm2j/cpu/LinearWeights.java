package org.esm2j.cpu;

/**
 * A linear layer {@code y = x W^T + b} prepared for the GEMM kernel: the PyTorch (out, in) weight is transposed and cut
 * into column panels of {@link #PANEL_WIDTH} outputs, each stored (in, width) contiguously, so that the micro-kernel
 * streams one small contiguous block per panel instead of striding across the whole matrix (which thrashes the TLB).
 */
public final class LinearWeights {
    /**
     * Output columns per panel: the widest tile of the chosen kernels (two vectors: 16 floats with AVX2; four, 64
     * floats, with AVX-512), so that every panel runs the micro-kernel's most efficient tile. Panels of 16 on AVX-512
     * fell to its one-vector tile of 4 accumulators and ran the forward projections at half the speed.
     */
    static final int PANEL_WIDTH = Kernels.preferred().panelWidth();

    final int inFeatures;
    final int outFeatures;
    final float[] packed; // panel p holds columns [p W, p W + w_p) as (in, w_p) row-major at offset in * p W
    final float[] bias; // (out) or null

    private LinearWeights(int inFeatures, int outFeatures, float[] packed, float[] bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.packed = packed;
        this.bias = bias;
    }

    /** Columns in the panel that starts at column c0. */
    int panelWidth(int c0) {
        return Math.min(PANEL_WIDTH, outFeatures - c0);
    }

    /** From a PyTorch-layout weight (out, in) row-major and an optional bias (out); packs once, reuse it. */
    public static LinearWeights fromTorch(float[] weight, int outFeatures, int inFeatures, float[] bias) {
        if (weight.length != outFeatures * inFeatures) {
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected (" + outFeatures
                    + " x " + inFeatures + ")");
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + outFeatures);
        }
        LinearWeights w = new LinearWeights(inFeatures, outFeatures, new float[weight.length], bias);
        w.repack(weight, 0);
        return w;
    }

    /**
     * An (out, in) weight to be filled by {@link #repackOutputs} in {@code storage} (at least out x in floats), which
     * layers used one at a time may share; the bias array is the caller's.
     */
    static LinearWeights over(float[] storage, int outFeatures, int inFeatures, float[] bias) {
        if (storage.length < (long) outFeatures * inFeatures) {
            throw new IllegalArgumentException("storage holds " + storage.length + " floats, needs " + outFeatures
                    + " x " + inFeatures);
        }
        return new LinearWeights(inFeatures, outFeatures, storage, bias);
    }

    /**
     * Overwrites the packed weight with {@code weight[offset ..]} in PyTorch's (out, in) layout, so a trainer can
     * follow parameter updates without allocating; the bias array is shared with the caller, who updates it in place.
     */
    void repack(float[] weight, int offset) {
        repackOutputs(weight, offset, 0, outFeatures);
    }

    /**
     * Overwrites outputs {@code [first, first + count)} with the (count, in) rows at {@code weight[offset ..]}: a
     * trainer packs q, k and v straight from their places in its parameter buffer.
     */
    void repackOutputs(float[] weight, int offset, int first, int count) {
        // One source row at a time, read in order; the panel being written (in x w floats) stays in cache.
        for (int c = first; c < first + count; c++) {
            int c0 = c - c % PANEL_WIDTH;
            int w = Math.min(PANEL_WIDTH, outFeatures - c0);
            int src = offset + (c - first) * inFeatures;
            for (int i = 0, dst = inFeatures * c0 + c - c0; i < inFeatures; i++, dst += w) {
                packed[dst] = weight[src + i];
            }
        }
    }

    /** Several layers with the same input stacked along the output axis, e.g. q, k and v into one (D, 3D) GEMM. */
    static LinearWeights concatOutputs(float[][] weights, float[][] biases, int outEach, int in) {
        int out = outEach * weights.length;
        float[] weight = new float[out * in];
        float[] bias = new float[out];
        for (int p = 0; p < weights.length; p++) {
            System.arraycopy(weights[p], 0, weight, p * outEach * in, outEach * in);
            System.arraycopy(biases[p], 0, bias, p * outEach, outEach);
        }
        return fromTorch(weight, out, in, bias);
    }
}
