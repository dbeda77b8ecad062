package org.esm2j.cpu;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.HalfFloats;

/**
 * ESM-2's forward pass as a plain bf16 implementation computes it (fair-esm after {@code model.to(torch.bfloat16)},
 * say): the same-precision noise floor of docs/STYLE.md's rule "err(CUDA bf16 vs fp32) <= 2 * err(naive bf16 vs fp32)".
 * One unpadded sequence at a time, in the operation order of {@link NaiveForward}. Inside every operation the
 * arithmetic is fp32 (GEMM and attention products summed in fp32, the fp32 runtime's LayerNorm, softmax with an fp32
 * sum, fp32 GELU and rotary); values are rounded to bf16 (round to nearest even, {@link HalfFloats#floatToBf16}) at
 * exactly these points, marked {@code bf16(...)} in the code:
 * <ol>
 *   <li>every parameter, once, on construction: the weight matrices (the GEMM weight operands; the tied embedding in
 *       both of its uses), the biases and the LayerNorm gains and biases. The rotary frequencies stay fp32: rounded,
 *       they would turn the angle at position 300 by up to 300 * 2^-9 rad, an error of no real implementation;</li>
 *   <li>every activation when an operation stores it, which includes every activation operand of a GEMM: the
 *       scaled embeddings; per layer the LayerNorm output, q, k and v (GEMM + bias), q and k after scaling and
 *       rotation, the attention scores, the probabilities, the attention output, out_proj's output, the residual
 *       stream after each addition, the second LayerNorm's output, fc1's output, the GELU output, fc2's output; then
 *       the final LayerNorm's output (the last representation) and in the LM head the dense output, its GELU, its
 *       LayerNorm and the logits.</li>
 * </ol>
 * The CUDA runtime rounds at a subset of these points (it keeps the residual stream, scores and logits in fp32), so
 * its error should stay at or below this one's.
 */
public final class NaiveBf16Forward {

    /**
     * @param logits (T, vocab)
     * @param lastRepresentation (T, D), the final LayerNorm's output
     */
    public record Output(float[] logits, float[] lastRepresentation) {}

    private final Esm2Config config;
    private final Map<String, float[]> params = new HashMap<>();

    public NaiveBf16Forward(Esm2Weights weights) {
        this.config = weights.config();
        for (String name : weights.tensors().keySet()) {
            float[] values = weights.floats(name);
            if (!name.endsWith("rot_emb.inv_freq")) {
                bf16InPlace(values);
            }
            params.put(name, values);
        }
    }

    public Output forward(int[] tokens) {
        int t = tokens.length;
        int d = config.embedDim();
        int f = config.ffnDim();
        double eps = config.layerNormEps();
        float[] x = embed(tokens);
        for (int l = 0; l < config.numLayers(); l++) {
            float[] h = layerNorm(x, t, d, param(l, "self_attn_layer_norm.weight"),
                    param(l, "self_attn_layer_norm.bias"), eps);
            float[] q = linear(h, t, param(l, "self_attn.q_proj.weight"), param(l, "self_attn.q_proj.bias"), d, d);
            float[] k = linear(h, t, param(l, "self_attn.k_proj.weight"), param(l, "self_attn.k_proj.bias"), d, d);
            float[] v = linear(h, t, param(l, "self_attn.v_proj.weight"), param(l, "self_attn.v_proj.bias"), d, d);
            Rotary rotary = new Rotary(param(l, "self_attn.rot_emb.inv_freq"), t);
            float[] qRotated = scaleAndRotate(q, t, (float) Math.pow(config.headDim(), -0.5), rotary);
            float[] kRotated = scaleAndRotate(k, t, 1f, rotary);
            float[] attention = attention(qRotated, kRotated, v, t);
            float[] projected = linear(attention, t, param(l, "self_attn.out_proj.weight"),
                    param(l, "self_attn.out_proj.bias"), d, d);
            addInPlace(x, projected);
            h = layerNorm(x, t, d, param(l, "final_layer_norm.weight"), param(l, "final_layer_norm.bias"), eps);
            float[] hidden = linear(h, t, param(l, "fc1.weight"), param(l, "fc1.bias"), d, f);
            geluInPlace(hidden);
            addInPlace(x, linear(hidden, t, param(l, "fc2.weight"), param(l, "fc2.bias"), f, d));
        }
        float[] last = layerNorm(x, t, d, param(Esm2Weights.FINAL_LN_WEIGHT), param(Esm2Weights.FINAL_LN_BIAS), eps);
        float[] dense = linear(last, t, param(Esm2Weights.LM_HEAD_DENSE_WEIGHT), param(Esm2Weights.LM_HEAD_DENSE_BIAS),
                d, d);
        geluInPlace(dense);
        float[] features = layerNorm(dense, t, d, param(Esm2Weights.LM_HEAD_LN_WEIGHT),
                param(Esm2Weights.LM_HEAD_LN_BIAS), eps);
        float[] logits = linear(features, t, param(Esm2Weights.EMBED_TOKENS), param(Esm2Weights.LM_HEAD_BIAS), d,
                config.vocabSize());
        return new Output(logits, last);
    }

    private float[] param(String name) {
        return params.get(name);
    }

    private float[] param(int layer, String name) {
        return params.get(Esm2Weights.layer(layer, name));
    }

    /** bf16(E[token] * 0.88 / (1 - masks / T)), {@code <mask>} rows zero, as fair-esm's token dropout. */
    private float[] embed(int[] tokens) {
        int d = config.embedDim();
        float[] table = param(Esm2Weights.EMBED_TOKENS);
        int masks = 0;
        for (int id : tokens) {
            masks += id == Alphabet.MASK ? 1 : 0;
        }
        boolean dropout = config.tokenDropout();
        float scale = dropout ? Esm2Config.TOKEN_DROPOUT_KEEP / (1f - (float) masks / tokens.length) : 1f;
        float[] x = new float[tokens.length * d];
        for (int p = 0; p < tokens.length; p++) {
            if (dropout && tokens[p] == Alphabet.MASK) {
                continue;
            }
            for (int i = 0; i < d; i++) {
                x[p * d + i] = bf16(table[tokens[p] * d + i] * scale);
            }
        }
        return x;
    }

    /** bf16 of the fp32 runtime's LayerNorm (double statistics, float affine) of each row. */
    private static float[] layerNorm(float[] x, int rows, int dim, float[] gain, float[] bias, double eps) {
        float[] y = new float[rows * dim];
        LayerNorm.apply(x, y, 0, rows, dim, gain, bias, eps);
        bf16InPlace(y);
        return y;
    }

    /** y (rows, out) = bf16(x (rows, in) W^T + bias) with W (out, in): one rounding after the fp32 sum and bias. */
    private static float[] linear(float[] x, int rows, float[] w, float[] bias, int in, int out) {
        float[] y = new float[rows * out];
        IntStream.range(0, rows).parallel().forEach(r -> {
            for (int o = 0; o < out; o++) {
                y[r * out + o] = bf16(dot(x, r * in, w, o * in, in, 1) + bias[o]);
            }
        });
        return y;
    }

    /** bf16(rotary(x * scale)) per head, the product with the scale in fp32 before the rotation as fair-esm does. */
    private float[] scaleAndRotate(float[] x, int rows, float scale, Rotary rotary) {
        int d = config.embedDim();
        int hd = config.headDim();
        float[] scaled = new float[hd];
        float[] y = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < config.attentionHeads(); h++) {
                int off = r * d + h * hd;
                for (int e = 0; e < hd; e++) {
                    scaled[e] = x[off + e] * scale;
                }
                rotary.rotate(scaled, 0, r, y, off, 1);
            }
        }
        bf16InPlace(y);
        return y;
    }

    /** Per (head, query): bf16 scores q.k, fp32 softmax rounded to bf16 probabilities, bf16(P V). */
    private float[] attention(float[] q, float[] k, float[] v, int t) {
        int d = config.embedDim();
        int hd = config.headDim();
        float[] out = new float[t * d];
        IntStream.range(0, config.attentionHeads() * t).parallel().forEach(job -> {
            int h = job / t;
            int i = job % t;
            float[] p = new float[t];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < t; j++) {
                p[j] = bf16(dot(q, i * d + h * hd, k, j * d + h * hd, hd, 1));
                max = Math.max(max, p[j]);
            }
            float sum = 0;
            for (int j = 0; j < t; j++) {
                p[j] = (float) Math.exp(p[j] - max);
                sum += p[j];
            }
            for (int j = 0; j < t; j++) {
                p[j] = bf16(p[j] / sum);
            }
            for (int e = 0; e < hd; e++) {
                out[i * d + h * hd + e] = bf16(dot(p, 0, v, h * hd + e, t, d));
            }
        });
        return out;
    }

    /** x = bf16(x + y): the residual stream is stored in bf16 too. */
    private static void addInPlace(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] = bf16(x[i] + y[i]);
        }
    }

    private static void geluInPlace(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = bf16(Erf.gelu(x[i]));
        }
    }

    /** sum_i a[aOff + i] * b[bOff + i * bStride] over n terms, in four interleaved fp32 partial sums. */
    private static float dot(float[] a, int aOff, float[] b, int bOff, int n, int bStride) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i * bStride];
            s1 += a[aOff + i + 1] * b[bOff + (i + 1) * bStride];
            s2 += a[aOff + i + 2] * b[bOff + (i + 2) * bStride];
            s3 += a[aOff + i + 3] * b[bOff + (i + 3) * bStride];
        }
        for (; i < n; i++) {
            s0 += a[aOff + i] * b[bOff + i * bStride];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void bf16InPlace(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = bf16(x[i]);
        }
    }

    /** The bf16 value nearest to v (ties to even), as a float. */
    static float bf16(float v) {
        return HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v));
    }
}
