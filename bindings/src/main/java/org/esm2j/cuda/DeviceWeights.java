package org.esm2j.cuda;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;

/**
 * The model's parameters in device memory, uploaded once: matrices in the activation dtype (bf16 or fp16), q/k/v
 * fused into one (3D, D) matrix; small parameters (biases, LayerNorm affine, inv_freq) and the embedding table the
 * embedding kernel reads in fp32. The LM head's output matrix (the tied embedding) is padded with zero rows to
 * {@link #logitColumns} so that the logits' rows stay aligned. Fields are device addresses.
 */
final class DeviceWeights implements AutoCloseable {
    /** The logits' row stride: the vocabulary rounded up to a multiple of 8 elements (16-byte rows in bf16). */
    final int logitColumns;
    final long embedTable; // fp32 (V, D)
    final Layer[] layers;
    final long finalNormGain;
    final long finalNormBias;
    final long lmDenseWeight; // (D, D)
    final long lmDenseBias;
    final long lmNormGain;
    final long lmNormBias;
    final long lmOutWeight; // (logitColumns, D), rows >= V zero
    final long lmOutBias; // fp32 (logitColumns)
    private final List<Pointer> allocations = new ArrayList<>();
    private long bytes;

    /** One transformer block; matrices are (out, in) row-major as PyTorch stores them. */
    record Layer(long attnNormGain, long attnNormBias, long qkvWeight, long qkvBias, long invFreq, long outWeight,
            long outBias, long ffnNormGain, long ffnNormBias, long fc1Weight, long fc1Bias, long fc2Weight,
            long fc2Bias) {}

    DeviceWeights(Esm2Weights w, DType dtype) {
        Esm2Config c = w.config();
        int d = c.embedDim();
        int v = c.vocabSize();
        logitColumns = (v + 7) / 8 * 8;
        try {
            float[] embed = w.floats(Esm2Weights.EMBED_TOKENS);
            embedTable = upload(embed, DType.F32);
            layers = new Layer[c.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                layers[i] = uploadLayer(w, i, dtype);
            }
            finalNormGain = upload(w.floats(Esm2Weights.FINAL_LN_WEIGHT), DType.F32);
            finalNormBias = upload(w.floats(Esm2Weights.FINAL_LN_BIAS), DType.F32);
            lmDenseWeight = upload(w.floats(Esm2Weights.LM_HEAD_DENSE_WEIGHT), dtype);
            lmDenseBias = upload(w.floats(Esm2Weights.LM_HEAD_DENSE_BIAS), DType.F32);
            lmNormGain = upload(w.floats(Esm2Weights.LM_HEAD_LN_WEIGHT), DType.F32);
            lmNormBias = upload(w.floats(Esm2Weights.LM_HEAD_LN_BIAS), DType.F32);
            float[] padded = new float[logitColumns * d];
            System.arraycopy(embed, 0, padded, 0, v * d);
            lmOutWeight = upload(padded, dtype);
            float[] bias = new float[logitColumns];
            System.arraycopy(w.floats(Esm2Weights.LM_HEAD_BIAS), 0, bias, 0, v);
            lmOutBias = upload(bias, DType.F32);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Layer uploadLayer(Esm2Weights w, int i, DType dtype) {
        String[] qkvNames = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"};
        int d = w.config().embedDim();
        float[] qkvWeight = new float[3 * d * d];
        float[] qkvBias = new float[3 * d];
        for (int p = 0; p < 3; p++) {
            System.arraycopy(w.floats(Esm2Weights.layer(i, qkvNames[p] + ".weight")), 0, qkvWeight, p * d * d, d * d);
            System.arraycopy(w.floats(Esm2Weights.layer(i, qkvNames[p] + ".bias")), 0, qkvBias, p * d, d);
        }
        return new Layer(
                small(w, i, "self_attn_layer_norm.weight"), small(w, i, "self_attn_layer_norm.bias"),
                upload(qkvWeight, dtype), upload(qkvBias, DType.F32), small(w, i, "self_attn.rot_emb.inv_freq"),
                matrix(w, i, "self_attn.out_proj.weight", dtype), small(w, i, "self_attn.out_proj.bias"),
                small(w, i, "final_layer_norm.weight"), small(w, i, "final_layer_norm.bias"),
                matrix(w, i, "fc1.weight", dtype), small(w, i, "fc1.bias"),
                matrix(w, i, "fc2.weight", dtype), small(w, i, "fc2.bias"));
    }

    private long small(Esm2Weights w, int layer, String name) {
        return upload(w.floats(Esm2Weights.layer(layer, name)), DType.F32);
    }

    private long matrix(Esm2Weights w, int layer, String name, DType dtype) {
        return upload(w.floats(Esm2Weights.layer(layer, name)), dtype);
    }

    /** Copies values to a new device allocation in {@code dtype} (F32, BF16 or F16) and returns its address. */
    private long upload(float[] values, DType dtype) {
        long size = (long) values.length * dtype.byteSize();
        try (BytePointer host = new BytePointer(size)) {
            encode(values, dtype, host);
            Pointer device = new Pointer();
            CudaCalls.check(cudart.cudaMalloc(device, size), "cudaMalloc of " + size + " bytes of weights");
            allocations.add(device);
            bytes += size;
            CudaCalls.check(cudart.cudaMemcpy(device, host, size, cudart.cudaMemcpyHostToDevice),
                    "cudaMemcpy of weights to the device");
            return device.address();
        }
    }

    static void encode(float[] values, DType dtype, BytePointer out) {
        switch (dtype) {
            case F32 -> out.asByteBuffer().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().put(values);
            case BF16, F16 -> {
                short[] bits = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    bits[i] = dtype == DType.BF16 ? HalfFloats.floatToBf16(values[i]) : HalfFloats.floatToF16(values[i]);
                }
                out.asByteBuffer().order(java.nio.ByteOrder.nativeOrder()).asShortBuffer().put(bits);
            }
            default -> throw new IllegalArgumentException("weights are uploaded as F32, BF16 or F16, not " + dtype);
        }
    }

    /** Device bytes held by the parameters. */
    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        for (Pointer p : allocations) {
            cudart.cudaFree(p);
        }
        allocations.clear();
        bytes = 0;
    }
}
