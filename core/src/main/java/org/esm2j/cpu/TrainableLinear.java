package org.esm2j.cpu;

import java.util.SplittableRandom;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;

/**
 * A linear layer {@code y = x W^T + b} of a model in training, read from the flat parameter buffer: one or more parts
 * stacked along the output axis (q, k and v share one GEMM), each with an optional LoRA adapter
 * {@code y_part += (alpha / r) (dropout(x) A^T) B^T}. The forward pass packs the weights from the buffer into storage
 * that all layers of a trainer share (they run one at a time; a copy per layer would double the weights' memory) and
 * runs the inference GEMM on it; the backward pass gives the input gradient and adds the weight, bias and adapter
 * gradients of trainable tensors into the gradient buffer.
 */
final class TrainableLinear {
    final int in;
    final int out;
    private final int outEach;
    private final float[] params;
    private final ParameterEntry[] weights;
    private final ParameterEntry[] biases;
    private final Adapter[] adapters;
    private final float[] bias; // (out), shared with packed
    private final LinearWeights packed;

    /** A LoRA adapter on one part: A (r, in) and B (outEach, r) in the parameter buffer, and their transposes. */
    static final class Adapter {
        final ParameterEntry a;
        final ParameterEntry b;
        final int rank;
        final float scaling;
        final float dropout;
        final float[] aT; // (in, r)
        final float[] bT; // (r, outEach)

        Adapter(ParameterEntry a, ParameterEntry b, float scaling, float dropout) {
            this.a = a;
            this.b = b;
            this.rank = (int) a.shape()[0];
            this.scaling = scaling;
            this.dropout = dropout;
            this.aT = new float[a.length()];
            this.bT = new float[b.length()];
        }
    }

    /**
     * What the backward pass needs from the adapters of one forward call: per part, x A^T (rows, r) and, with
     * dropout, the per-element keep factor (0 or 1 / (1 - p)) of the input (rows, in).
     */
    static final class AdapterActivations {
        final float[][] down;
        final float[][] keep;

        AdapterActivations(TrainableLinear layer, int rows) {
            int parts = layer.weights.length;
            down = new float[parts][];
            keep = new float[parts][];
            for (int p = 0; p < parts; p++) {
                Adapter ad = layer.adapters[p];
                if (ad != null) {
                    down[p] = new float[Math.multiplyExact(rows, ad.rank)];
                    keep[p] = ad.dropout > 0 ? new float[Math.multiplyExact(rows, layer.in)] : null;
                }
            }
        }
    }

    /**
     * Temporary buffers of the backward pass and the adapters, shared by all layers of a trainer (one layer runs at a
     * time), sized for {@code rows} and the widest layer.
     */
    static final class Scratch {
        final double[] columnSums; // (maxOut)
        final float[] adapterOut; // (rows, maxOut)
        final float[] adapterInput; // (rows, maxIn)
        final float[] adapterDown; // (rows, maxRank) gradient of x A^T
        final float[] adapterInputGradient; // (rows, maxIn)
        final float[] packedB; // (max(rows, maxOut), maxIn): the right operand of the weight and input gradients

        Scratch(int rows, int maxIn, int maxOut, int maxRank) {
            columnSums = new double[maxOut];
            int r = Math.max(maxRank, 0);
            adapterOut = r > 0 ? new float[Math.multiplyExact(rows, maxOut)] : null;
            adapterInput = r > 0 ? new float[Math.multiplyExact(rows, maxIn)] : null;
            adapterDown = new float[Math.multiplyExact(rows, r)];
            adapterInputGradient = r > 0 ? new float[Math.multiplyExact(rows, maxIn)] : null;
            packedB = new float[Math.multiplyExact(Math.max(rows, maxOut), maxIn)];
        }
    }

    /**
     * @param weightNames the parts' weights, each (outEach, in), stacked in this order
     * @param biasNames the parts' biases, each (outEach)
     * @param adapters per part, the adapter or null
     * @param packedStorage where the forward pass packs the weights, shared with the trainer's other layers
     */
    TrainableLinear(ParameterLayout layout, float[] params, String[] weightNames, String[] biasNames,
            Adapter[] adapters, float[] packedStorage) {
        this.params = params;
        int parts = weightNames.length;
        weights = new ParameterEntry[parts];
        biases = new ParameterEntry[parts];
        for (int p = 0; p < parts; p++) {
            weights[p] = layout.entry(weightNames[p]);
            biases[p] = layout.entry(biasNames[p]);
        }
        long[] shape = weights[0].shape();
        outEach = (int) shape[0];
        in = (int) shape[1];
        out = outEach * parts;
        this.adapters = adapters.clone();
        bias = new float[out];
        packed = LinearWeights.over(packedStorage, out, in, bias);
    }

    /** The widest adapter rank, 0 without adapters. */
    int maxRank() {
        int r = 0;
        for (Adapter a : adapters) {
            r = a == null ? r : Math.max(r, a.rank);
        }
        return r;
    }

    /** Copies the current biases and the adapters' transposes out of the parameter buffer. */
    void refresh() {
        for (int p = 0; p < weights.length; p++) {
            System.arraycopy(params, biases[p].offset(), bias, p * outEach, outEach);
            Adapter ad = adapters[p];
            if (ad != null) {
                transposeInto(params, ad.a.offset(), ad.rank, in, ad.aT);
                transposeInto(params, ad.b.offset(), outEach, ad.rank, ad.bT);
            }
        }
    }

    private static void transposeInto(float[] src, int off, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[off + r * cols + c];
            }
        }
    }

    /**
     * {@code y = x W^T + b} plus the adapters, for x (rows, in) and y (rows, out). With dropout, the keep masks are
     * drawn from {@code dropoutSeed} (per part) and kept in acts for the backward pass.
     */
    void forward(float[] x, int rows, float[] y, AdapterActivations acts, long dropoutSeed, Scratch s) {
        for (int p = 0; p < weights.length; p++) {
            packed.repackOutputs(params, weights[p].offset(), p * outEach, outEach);
        }
        MatMul.linear(x, rows, packed, y, null, true);
        for (int p = 0; p < adapters.length; p++) {
            Adapter ad = adapters[p];
            if (ad == null) {
                continue;
            }
            if (acts.keep[p] != null) {
                drawKeep(acts.keep[p], rows * in, ad.dropout, new SplittableRandom(dropoutSeed + p));
            }
            float[] input = adapterInput(x, rows, acts.keep[p], s);
            int r = ad.rank;
            GradientGemm.multiply(input, 0, in, ad.aT, 0, r, acts.down[p], 0, r, rows, in, r);
            GradientGemm.multiply(acts.down[p], 0, r, ad.bT, 0, outEach, s.adapterOut, 0, outEach, rows, r, outEach);
            int col = p * outEach;
            float scaling = ad.scaling;
            Parallel.forRange(rows, (r0, r1) -> {
                for (int row = r0; row < r1; row++) {
                    for (int c = 0; c < outEach; c++) {
                        y[row * out + col + c] += s.adapterOut[row * outEach + c] * scaling;
                    }
                }
            });
        }
    }

    private static void drawKeep(float[] keep, int n, float dropout, SplittableRandom random) {
        float kept = 1f / (1f - dropout);
        for (int i = 0; i < n; i++) {
            keep[i] = random.nextDouble() < dropout ? 0f : kept;
        }
    }

    /** x itself, or x times the dropout keep factors in scratch. */
    private float[] adapterInput(float[] x, int rows, float[] keep, Scratch s) {
        if (keep == null) {
            return x;
        }
        int n = rows * in;
        Parallel.forRange(n, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                s.adapterInput[i] = x[i] * keep[i];
            }
        });
        return s.adapterInput;
    }

    /**
     * From dy (rows, out): dx (rows, in) is overwritten with the input gradient; the gradients of trainable weights,
     * biases and adapters are added into grads.
     */
    void backward(float[] x, int rows, float[] dy, float[] dx, float[] grads, AdapterActivations acts, Scratch s) {
        boolean weightsTrain = false;
        for (ParameterEntry w : weights) {
            weightsTrain |= w.trainable();
        }
        if (weightsTrain) {
            GradientGemm.packPanels(x, 0, in, 0, rows, rows, in, s.packedB);
        }
        for (int p = 0; p < weights.length; p++) {
            if (weights[p].trainable()) { // dW_part += dy_part^T x
                GradientGemm.addProductTransposedAPrepacked(dy, p * outEach, out, s.packedB, grads,
                        weights[p].offset(), in, outEach, rows, in);
            }
            if (biases[p].trainable()) {
                GradientGemm.addColumnSums(dy, p * outEach, out, rows, outEach, grads, biases[p].offset(),
                        s.columnSums);
            }
        }
        for (int p = 0; p < weights.length; p++) { // dx = dy W, W's parts read from the parameter buffer
            GradientGemm.packPanels(params, weights[p].offset(), in, p * outEach, outEach, out, in, s.packedB);
        }
        GradientGemm.multiplyPrepacked(dy, 0, out, s.packedB, dx, 0, in, rows, out, in);
        for (int p = 0; p < adapters.length; p++) {
            if (adapters[p] != null) {
                adapterBackward(p, x, rows, dy, dx, grads, acts, s);
            }
        }
    }

    private void adapterBackward(int p, float[] x, int rows, float[] dy, float[] dx, float[] grads,
            AdapterActivations acts, Scratch s) {
        Adapter ad = adapters[p];
        int r = ad.rank;
        int col = p * outEach;
        float scaling = ad.scaling;
        // g = scaling * dy_part (rows, outEach): the gradient of the adapter's unscaled output.
        float[] g = s.adapterOut;
        Parallel.forRange(rows, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                for (int c = 0; c < outEach; c++) {
                    g[row * outEach + c] = dy[row * out + col + c] * scaling;
                }
            }
        });
        float[] down = acts.down[p];
        if (ad.b.trainable()) { // dB += g^T (x A^T)
            GradientGemm.addProductTransposedA(g, 0, outEach, down, 0, r, grads, ad.b.offset(), r, outEach, rows, r);
        }
        // d(x A^T) = g B
        GradientGemm.multiply(g, 0, outEach, params, ad.b.offset(), r, s.adapterDown, 0, r, rows, outEach, r);
        if (ad.a.trainable()) { // dA += d(x A^T)^T dropout(x)
            float[] input = adapterInput(x, rows, acts.keep[p], s);
            GradientGemm.addProductTransposedA(s.adapterDown, 0, r, input, 0, in, grads, ad.a.offset(), in, r, rows,
                    in);
        }
        // dx += (d(x A^T) A) * keep
        GradientGemm.multiply(s.adapterDown, 0, r, params, ad.a.offset(), in, s.adapterInputGradient, 0, in, rows, r,
                in);
        float[] keep = acts.keep[p];
        Parallel.forRange(rows * in, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                dx[i] += keep == null ? s.adapterInputGradient[i] : s.adapterInputGradient[i] * keep[i];
            }
        });
    }
}
