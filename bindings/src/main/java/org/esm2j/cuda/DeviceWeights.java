package org.esm2j.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.HalfFloats;

/**
 * The model's parameters in device memory: matrices in the activation dtype (bf16 or fp16), q/k/v fused into one
 * (3D, D) matrix; small parameters (biases, LayerNorm affine, inv_freq) and the embedding table the embedding kernel
 * reads in fp32. The LM head's output matrix (the tied embedding) is padded with zero rows to {@link #logitColumns} so
 * that the logits' rows stay aligned. Fields are typed device buffers, one allocation each.
 *
 * <p>One {@link #layout} lists every device tensor; the values come either from a checkpoint (uploaded once) or, for
 * benchmarks of models whose host copy would not fit, from the device's random generator ({@link #random}).
 */
final class DeviceWeights implements AutoCloseable {
    /** The fused projection of each layer: q_proj, k_proj and v_proj stacked along the output dimension. */
    static final String QKV_WEIGHT = "self_attn.qkv_proj.weight";
    static final String QKV_BIAS = "self_attn.qkv_proj.bias";
    /** The LM head's output matrix: embed_tokens.weight in the matrix dtype, padded to logitColumns rows. */
    static final String LM_OUT_WEIGHT = "lm_head.weight";

    // Random weights: uniform distributions with the standard deviations of org.esm2j.bench.RandomWeights (BERT-style
    // 0.02 for matrices, 0.01 for biases, 0.05 around 1 for LayerNorm gains); uniform(-a, a) has deviation a / sqrt 3.
    static final float WEIGHT_SCALE = (float) (0.02 * Math.sqrt(3));
    static final float BIAS_SCALE = (float) (0.01 * Math.sqrt(3));
    static final float GAIN_SCALE = (float) (0.05 * Math.sqrt(3));
    private static final double ROTARY_BASE = 10000.0;

    /** The logits' row stride: the vocabulary rounded up to a multiple of 8 elements (16-byte rows in bf16). */
    final int logitColumns;
    final DeviceBuffer embedTable; // fp32 (V, D)
    final Layer[] layers;
    final DeviceBuffer finalNormGain;
    final DeviceBuffer finalNormBias;
    final DeviceBuffer lmDenseWeight; // (D, D)
    final DeviceBuffer lmDenseBias;
    final DeviceBuffer lmNormGain;
    final DeviceBuffer lmNormBias;
    final DeviceBuffer lmOutWeight; // (logitColumns, D), rows >= V zero
    final DeviceBuffer lmOutBias; // fp32 (logitColumns), entries >= V zero
    private final Map<String, DeviceBuffer> allocations = new HashMap<>();
    private long bytes;

    /** One transformer block; matrices are (out, in) row-major as PyTorch stores them. */
    record Layer(DeviceBuffer attnNormGain, DeviceBuffer attnNormBias, DeviceBuffer qkvWeight, DeviceBuffer qkvBias,
            DeviceBuffer invFreq, DeviceBuffer outWeight, DeviceBuffer outBias, DeviceBuffer ffnNormGain,
            DeviceBuffer ffnNormBias, DeviceBuffer fc1Weight, DeviceBuffer fc1Bias, DeviceBuffer fc2Weight,
            DeviceBuffer fc2Bias) {}

    /** What a device tensor holds; random weights choose their values by it. */
    enum Role {
        /** fp32 (V, D) token embedding. */
        EMBEDDING,
        /** A projection matrix in the matrix dtype. */
        MATRIX,
        /** The tied embedding in the matrix dtype, padded with zero rows. */
        LM_OUT,
        /** A Linear or LayerNorm bias, fp32. */
        BIAS,
        /** The LM head's output bias, fp32, padded with zeros. */
        LM_OUT_BIAS,
        /** A LayerNorm gain, fp32. */
        NORM_GAIN,
        /** Rotary inverse frequencies, fp32 (head_dim / 2). */
        INV_FREQ
    }

    /** One device tensor: its name (canonical checkpoint name, or one of the fused/padded names above). */
    record Param(String name, Role role, long elements, DType dtype) {
        long bytes() {
            return elements * dtype.byteSize();
        }
    }

    /** Writes a tensor's values into its fresh allocation. */
    @FunctionalInterface
    private interface Source {
        void fill(Param param, DeviceBuffer device);
    }

    /** Uploads the checkpoint's parameters once, converted to {@code dtype} (matrices) and fp32 (the rest). */
    DeviceWeights(Esm2Weights w, DType dtype) {
        this(w.config(), dtype, (param, device) -> upload(hostValues(w, param), device));
    }

    private DeviceWeights(Esm2Config c, DType dtype, Source source) {
        logitColumns = logitColumns(c);
        try {
            for (Param p : layout(c, dtype)) {
                DeviceBuffer device = DeviceBuffer.allocate(p.dtype(), p.elements(), p.name());
                allocations.put(p.name(), device);
                bytes += p.bytes();
                source.fill(p, device);
            }
            embedTable = tensor(Esm2Weights.EMBED_TOKENS);
            layers = new Layer[c.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                layers[i] = new Layer(
                        layerTensor(i, "self_attn_layer_norm.weight"), layerTensor(i, "self_attn_layer_norm.bias"),
                        layerTensor(i, QKV_WEIGHT), layerTensor(i, QKV_BIAS),
                        layerTensor(i, "self_attn.rot_emb.inv_freq"),
                        layerTensor(i, "self_attn.out_proj.weight"), layerTensor(i, "self_attn.out_proj.bias"),
                        layerTensor(i, "final_layer_norm.weight"), layerTensor(i, "final_layer_norm.bias"),
                        layerTensor(i, "fc1.weight"), layerTensor(i, "fc1.bias"),
                        layerTensor(i, "fc2.weight"), layerTensor(i, "fc2.bias"));
            }
            finalNormGain = tensor(Esm2Weights.FINAL_LN_WEIGHT);
            finalNormBias = tensor(Esm2Weights.FINAL_LN_BIAS);
            lmDenseWeight = tensor(Esm2Weights.LM_HEAD_DENSE_WEIGHT);
            lmDenseBias = tensor(Esm2Weights.LM_HEAD_DENSE_BIAS);
            lmNormGain = tensor(Esm2Weights.LM_HEAD_LN_WEIGHT);
            lmNormBias = tensor(Esm2Weights.LM_HEAD_LN_BIAS);
            lmOutWeight = tensor(LM_OUT_WEIGHT);
            lmOutBias = tensor(Esm2Weights.LM_HEAD_BIAS);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Random parameters of the shape {@code config}, made on the device: no host copy of the matrices exists, so
     * even the 15B model needs only its device memory. Matrices and biases are uniform with the scales above, each
     * tensor from its own seed drawn from {@code seed}; the padded LM-head rows and bias entries are zero, and the
     * LM head's matrix is the embedding table rounded to {@code dtype} (the same seed), tied as in ESM-2. LayerNorm
     * gains (1 + uniform) and inv_freq are a few KB per layer and uploaded. Work is enqueued on {@code stream} (null
     * for the default stream), which is synchronised before this returns. There is no contact head.
     */
    static DeviceWeights random(Esm2Config config, DType dtype, long seed, Pointer stream) {
        try (RandomSource source = new RandomSource(config, seed, stream)) {
            DeviceWeights weights = new DeviceWeights(config, dtype, source);
            try {
                CudaDevice.synchronize(stream, "random weights");
            } catch (RuntimeException e) {
                weights.close();
                throw e;
            }
            return weights;
        }
    }

    /** The vocabulary rounded up to a multiple of 8 (16-byte rows of bf16 logits). */
    static int logitColumns(Esm2Config c) {
        return (c.vocabSize() + 7) / 8 * 8;
    }

    /** Every device tensor of {@code c} in allocation order: the single definition of the layout. */
    static List<Param> layout(Esm2Config c, DType dtype) {
        long d = c.embedDim();
        long f = c.ffnDim();
        long v = c.vocabSize();
        List<Param> out = new ArrayList<>();
        out.add(new Param(Esm2Weights.EMBED_TOKENS, Role.EMBEDDING, v * d, DType.F32));
        for (int i = 0; i < c.numLayers(); i++) {
            out.add(new Param(Esm2Weights.layer(i, "self_attn_layer_norm.weight"), Role.NORM_GAIN, d, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "self_attn_layer_norm.bias"), Role.BIAS, d, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, QKV_WEIGHT), Role.MATRIX, 3 * d * d, dtype));
            out.add(new Param(Esm2Weights.layer(i, QKV_BIAS), Role.BIAS, 3 * d, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "self_attn.rot_emb.inv_freq"), Role.INV_FREQ, c.headDim() / 2,
                    DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "self_attn.out_proj.weight"), Role.MATRIX, d * d, dtype));
            out.add(new Param(Esm2Weights.layer(i, "self_attn.out_proj.bias"), Role.BIAS, d, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "final_layer_norm.weight"), Role.NORM_GAIN, d, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "final_layer_norm.bias"), Role.BIAS, d, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "fc1.weight"), Role.MATRIX, f * d, dtype));
            out.add(new Param(Esm2Weights.layer(i, "fc1.bias"), Role.BIAS, f, DType.F32));
            out.add(new Param(Esm2Weights.layer(i, "fc2.weight"), Role.MATRIX, d * f, dtype));
            out.add(new Param(Esm2Weights.layer(i, "fc2.bias"), Role.BIAS, d, DType.F32));
        }
        out.add(new Param(Esm2Weights.FINAL_LN_WEIGHT, Role.NORM_GAIN, d, DType.F32));
        out.add(new Param(Esm2Weights.FINAL_LN_BIAS, Role.BIAS, d, DType.F32));
        out.add(new Param(Esm2Weights.LM_HEAD_DENSE_WEIGHT, Role.MATRIX, d * d, dtype));
        out.add(new Param(Esm2Weights.LM_HEAD_DENSE_BIAS, Role.BIAS, d, DType.F32));
        out.add(new Param(Esm2Weights.LM_HEAD_LN_WEIGHT, Role.NORM_GAIN, d, DType.F32));
        out.add(new Param(Esm2Weights.LM_HEAD_LN_BIAS, Role.BIAS, d, DType.F32));
        out.add(new Param(LM_OUT_WEIGHT, Role.LM_OUT, logitColumns(c) * d, dtype));
        out.add(new Param(Esm2Weights.LM_HEAD_BIAS, Role.LM_OUT_BIAS, logitColumns(c), DType.F32));
        return out;
    }

    /** A checkpoint's values for one device tensor, fused or padded as the layout needs, in fp32. */
    static float[] hostValues(Esm2Weights w, Param p) {
        String name = p.name();
        if (name.endsWith(QKV_WEIGHT) || name.endsWith(QKV_BIAS)) {
            // "layers.<i>." + the fused name: stack the three projections of the same layer.
            boolean weight = name.endsWith(QKV_WEIGHT);
            String prefix = name.substring(0, name.length() - (weight ? QKV_WEIGHT : QKV_BIAS).length());
            String suffix = weight ? ".weight" : ".bias";
            float[] out = new float[Math.toIntExact(p.elements())];
            int part = out.length / 3;
            String[] projections = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"};
            for (int i = 0; i < 3; i++) {
                System.arraycopy(w.floats(prefix + projections[i] + suffix), 0, out, i * part, part);
            }
            return out;
        }
        return switch (p.role()) {
            case LM_OUT -> padded(w.floats(Esm2Weights.EMBED_TOKENS), p.elements());
            case LM_OUT_BIAS -> padded(w.floats(Esm2Weights.LM_HEAD_BIAS), p.elements());
            default -> w.floats(name);
        };
    }

    private static float[] padded(float[] values, long elements) {
        float[] out = new float[Math.toIntExact(elements)];
        System.arraycopy(values, 0, out, 0, values.length);
        return out;
    }

    /** Copies values into a device allocation, converted to its dtype (F32, BF16 or F16). */
    private static void upload(float[] values, DeviceBuffer device) {
        long size = (long) values.length * device.dtype().byteSize();
        try (BytePointer host = new BytePointer(size)) {
            encode(values, device.dtype(), host);
            CudaDevice.upload(device, host.address(), size, device.name());
        }
    }

    private static void encode(float[] values, DType dtype, BytePointer out) {
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

    /**
     * Rotary frequencies as the released ESM-2 checkpoints store them (docs/MODEL_REFERENCE.md 2.4): fair-esm's fp32
     * {@code 1 / 10000^(arange(0, hd, 2) / hd)}, rounded through fp16 because the models were trained in fp16.
     */
    static float[] inverseFrequencies(int headDim) {
        float[] v = new float[headDim / 2];
        for (int i = 0; i < v.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            float value = 1f / (float) Math.pow(ROTARY_BASE, exponent);
            v[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(value));
        }
        return v;
    }

    /** LayerNorm gains near 1: 1 + uniform(-GAIN_SCALE, GAIN_SCALE). */
    static float[] gains(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[count];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (1 + GAIN_SCALE * (2 * random.nextDouble() - 1));
        }
        return v;
    }

    /**
     * Fills each tensor of the layout on the device. Seeds: the embedding and its tied LM-head copy share the first
     * value of a SplittableRandom(seed); every other tensor takes the next one, in layout order. Host buffers of the
     * uploaded tensors are kept until the stream has been synchronised.
     */
    private static final class RandomSource implements Source, AutoCloseable {
        private final Esm2Config config;
        private final SplittableRandom seeds;
        private final long tiedSeed;
        private final Pointer stream;
        private final List<Pointer> staged = new ArrayList<>();

        RandomSource(Esm2Config config, long seed, Pointer stream) {
            this.config = config;
            this.seeds = new SplittableRandom(seed);
            this.tiedSeed = seeds.nextLong();
            this.stream = stream;
        }

        @Override
        public void fill(Param p, DeviceBuffer device) {
            switch (p.role()) {
                case EMBEDDING -> DeviceRandom.fill(device, tiedSeed, WEIGHT_SCALE, stream);
                case LM_OUT -> {
                    zero(p, device);
                    long tied = (long) config.vocabSize() * config.embedDim();
                    DeviceRandom.fill(device.slice(0, tied), tiedSeed, WEIGHT_SCALE, stream);
                }
                case MATRIX -> DeviceRandom.fill(device, seeds.nextLong(), WEIGHT_SCALE, stream);
                case BIAS -> DeviceRandom.fill(device, seeds.nextLong(), BIAS_SCALE, stream);
                case LM_OUT_BIAS -> {
                    zero(p, device);
                    DeviceRandom.fill(device.slice(0, config.vocabSize()), seeds.nextLong(), BIAS_SCALE, stream);
                }
                case NORM_GAIN -> stage(gains(Math.toIntExact(p.elements()), seeds.nextLong()), device);
                case INV_FREQ -> stage(inverseFrequencies(config.headDim()), device);
            }
        }

        private void zero(Param p, DeviceBuffer device) {
            CudaDevice.fillBytesAsync(device, 0, stream, p.name());
        }

        private void stage(float[] values, DeviceBuffer device) {
            FloatPointer host = new FloatPointer(values);
            staged.add(host);
            CudaDevice.uploadAsync(device.require(DType.F32), host.address(), (long) values.length * Float.BYTES,
                    stream, "small random weights");
        }

        /** Waits for the copies that may still read the host buffers, then frees them. */
        @Override
        public void close() {
            Esm2jCuda.esm2j_stream_synchronize(stream); // best effort: a failure is already being reported
            staged.forEach(Pointer::close);
            staged.clear();
        }
    }

    /** The layout's tensor {@code name} (a {@link Param#name}) on the device. */
    DeviceBuffer tensor(String name) {
        DeviceBuffer tensor = allocations.get(name);
        if (tensor == null) {
            throw new IllegalStateException("the device weight layout has no tensor " + name);
        }
        return tensor;
    }

    private DeviceBuffer layerTensor(int layer, String name) {
        return tensor(Esm2Weights.layer(layer, name));
    }

    /** Device bytes held by the parameters. */
    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        // Best effort, as close() may run after a device failure.
        allocations.values().forEach(DeviceBuffer::closeQuietly);
        allocations.clear();
        bytes = 0;
    }
}
