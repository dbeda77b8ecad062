package org.esm2j.cpu;

import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;

/** fair-esm's ESM2.forward for one unpadded sequence, transcribed loop by loop in double: the test reference. */
final class NaiveForward {
    final float[] logits;
    final float[][] reprs;
    final float[] attentions; // (L, H, T, T)

    NaiveForward(Esm2Weights w, int[] tokens) {
        Esm2Config c = w.config();
        int t = tokens.length;
        int d = c.embedDim();
        int heads = c.attentionHeads();
        int hd = c.headDim();
        int layers = c.numLayers();
        reprs = new float[layers + 1][];
        attentions = new float[layers * heads * t * t];
        double[][] x = new double[t][d];
        float[] emb = w.floats(Esm2Weights.EMBED_TOKENS);
        int masks = 0;
        for (int tok : tokens) {
            masks += tok == 32 ? 1 : 0;
        }
        double scale = 0.88 / (1 - (double) masks / t);
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < d; k++) {
                x[i][k] = tokens[i] == 32 ? 0 : emb[tokens[i] * d + k] * scale;
            }
        }
        reprs[0] = flat(x);
        for (int l = 0; l < layers; l++) {
            String p = "layers." + l + ".";
            double[][] h = layerNorm(x, w.floats(p + "self_attn_layer_norm.weight"),
                    w.floats(p + "self_attn_layer_norm.bias"));
            double[][] q = linear(h, w, p + "self_attn.q_proj");
            double[][] k = linear(h, w, p + "self_attn.k_proj");
            double[][] v = linear(h, w, p + "self_attn.v_proj");
            float[] invFreq = w.floats(p + "self_attn.rot_emb.inv_freq");
            double[][] o = new double[t][d];
            for (int hh = 0; hh < heads; hh++) {
                double[][] qr = new double[t][];
                double[][] kr = new double[t][];
                for (int i = 0; i < t; i++) {
                    qr[i] = rotate(q[i], hh * hd, hd, i, invFreq, Math.pow(hd, -0.5));
                    kr[i] = rotate(k[i], hh * hd, hd, i, invFreq, 1);
                }
                for (int i = 0; i < t; i++) {
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        for (int e = 0; e < hd; e++) {
                            s[j] += qr[i][e] * kr[j][e];
                        }
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j < t; j++) {
                        double pr = s[j] / sum;
                        attentions[((l * heads + hh) * t + i) * t + j] = (float) pr;
                        for (int e = 0; e < hd; e++) {
                            o[i][hh * hd + e] += pr * v[j][hh * hd + e];
                        }
                    }
                }
            }
            add(x, linear(o, w, p + "self_attn.out_proj"));
            h = layerNorm(x, w.floats(p + "final_layer_norm.weight"), w.floats(p + "final_layer_norm.bias"));
            double[][] f = linear(h, w, p + "fc1");
            gelu(f);
            add(x, linear(f, w, p + "fc2"));
            reprs[l + 1] = flat(x);
        }
        double[][] fin = layerNorm(x, w.floats(Esm2Weights.FINAL_LN_WEIGHT), w.floats(Esm2Weights.FINAL_LN_BIAS));
        reprs[layers] = flat(fin);
        double[][] h = linear(fin, w, "lm_head.dense");
        gelu(h);
        h = layerNorm(h, w.floats(Esm2Weights.LM_HEAD_LN_WEIGHT), w.floats(Esm2Weights.LM_HEAD_LN_BIAS));
        float[] bias = w.floats(Esm2Weights.LM_HEAD_BIAS);
        int vocab = c.vocabSize();
        logits = new float[t * vocab];
        for (int i = 0; i < t; i++) {
            for (int o = 0; o < vocab; o++) {
                double acc = bias[o];
                for (int k = 0; k < d; k++) {
                    acc += h[i][k] * emb[o * d + k];
                }
                logits[i * vocab + o] = (float) acc;
            }
        }
    }

    private static double[] rotate(double[] row, int off, int hd, int pos, float[] invFreq, double scale) {
        int half = hd / 2;
        double[] out = new double[hd];
        for (int j = 0; j < half; j++) {
            double theta = pos * (double) invFreq[j];
            double lo = row[off + j] * scale;
            double hi = row[off + j + half] * scale;
            out[j] = lo * Math.cos(theta) - hi * Math.sin(theta);
            out[j + half] = hi * Math.cos(theta) + lo * Math.sin(theta);
        }
        return out;
    }

    private static double[][] linear(double[][] x, Esm2Weights w, String name) {
        float[] weight = w.floats(name + ".weight");
        float[] bias = w.floats(name + ".bias");
        int out = bias.length;
        int in = weight.length / out;
        double[][] y = new double[x.length][out];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < out; o++) {
                double acc = bias[o];
                for (int k = 0; k < in; k++) {
                    acc += x[r][k] * weight[o * in + k];
                }
                y[r][o] = acc;
            }
        }
        return y;
    }

    private static double[][] layerNorm(double[][] x, float[] gain, float[] bias) {
        double[][] y = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            int d = x[r].length;
            double mean = 0;
            for (double v : x[r]) {
                mean += v / d;
            }
            double var = 0;
            for (double v : x[r]) {
                var += (v - mean) * (v - mean) / d;
            }
            y[r] = new double[d];
            for (int i = 0; i < d; i++) {
                y[r][i] = (x[r][i] - mean) / Math.sqrt(var + 1e-5) * gain[i] + bias[i];
            }
        }
        return y;
    }

    private static void gelu(double[][] x) {
        for (double[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] = row[i] * 0.5 * (1 + ReferenceErf.erf(row[i] / Math.sqrt(2)));
            }
        }
    }

    private static void add(double[][] x, double[][] y) {
        for (int r = 0; r < x.length; r++) {
            for (int i = 0; i < x[r].length; i++) {
                x[r][i] += y[r][i];
            }
        }
    }

    private static float[] flat(double[][] x) {
        float[] out = new float[x.length * x[0].length];
        for (int r = 0; r < x.length; r++) {
            for (int i = 0; i < x[r].length; i++) {
                out[r * x[r].length + i] = (float) x[r][i];
            }
        }
        return out;
    }
}
