package org.esm2j.cpu;

import java.util.List;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainableModel;

/**
 * The training loss of fair-esm's ESM2 (plus PEFT LoRA) transcribed loop by loop in double, one unpadded sequence at a
 * time, as a function of a double copy of the flat parameter buffer: the reference that central finite differences
 * differentiate. Independent of the code under test: no kernels, no packing, no saved activations.
 */
final class ReferenceTraining {
    private final Esm2Config c;
    private final ParameterLayout layout;
    private final float[][] invFreq;
    private final LoraConfig lora;

    ReferenceTraining(TrainableModel model) {
        c = model.config();
        layout = model.layout();
        invFreq = new float[c.numLayers()][];
        for (int l = 0; l < invFreq.length; l++) {
            invFreq[l] = model.rotaryInvFreq(l);
        }
        lora = model.lora().orElse(null);
    }

    /**
     * Mean masked-LM cross-entropy over every scored position of the batch (when targets is not null) plus
     * {@code sum(reprWeights * representation)} over the packed final representation (when reprWeights is not null).
     */
    double loss(double[] p, List<int[]> tokens, List<int[]> targets, double[] reprWeights) {
        int d = c.embedDim();
        double ce = 0;
        int scored = 0;
        double linear = 0;
        int row0 = 0;
        for (int b = 0; b < tokens.size(); b++) {
            int[] seq = tokens.get(b);
            double[][] repr = representation(p, seq);
            if (reprWeights != null) {
                for (int i = 0; i < seq.length; i++) {
                    for (int k = 0; k < d; k++) {
                        linear += reprWeights[(row0 + i) * d + k] * repr[i][k];
                    }
                }
            }
            if (targets != null) {
                int[] t = targets.get(b);
                for (int i = 0; i < seq.length; i++) {
                    if (t[i] != -100) {
                        ce += crossEntropy(p, repr[i], t[i]);
                        scored++;
                    }
                }
            }
            row0 += seq.length;
        }
        return (targets == null ? 0 : ce / scored) + linear;
    }

    /** The (T, D) output of emb_layer_norm_after for one sequence. */
    double[][] representation(double[] p, int[] seq) {
        int t = seq.length;
        int d = c.embedDim();
        int masks = 0;
        for (int tok : seq) {
            masks += tok == Alphabet.MASK ? 1 : 0;
        }
        double scale = c.tokenDropout() ? (1 - 0.15 * 0.8) / (1 - (double) masks / t) : 1;
        int emb = layout.entry(Esm2Weights.EMBED_TOKENS).offset();
        double[][] x = new double[t][d];
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < d; k++) {
                x[i][k] = c.tokenDropout() && seq[i] == Alphabet.MASK ? 0 : p[emb + seq[i] * d + k] * scale;
            }
        }
        for (int l = 0; l < c.numLayers(); l++) {
            double[][] h = layerNorm(x, p, off(l, "self_attn_layer_norm.weight"), off(l, "self_attn_layer_norm.bias"));
            double[][] q = projection(p, h, l, LoraTarget.Q);
            double[][] k = projection(p, h, l, LoraTarget.K);
            double[][] v = projection(p, h, l, LoraTarget.V);
            double[][] o = attention(q, k, v, c.attentionHeads(), c.headDim(), invFreq[l]);
            add(x, projection(p, o, l, LoraTarget.O));
            h = layerNorm(x, p, off(l, "final_layer_norm.weight"), off(l, "final_layer_norm.bias"));
            double[][] f = projection(p, h, l, LoraTarget.FC1);
            gelu(f);
            add(x, projection(p, f, l, LoraTarget.FC2));
        }
        return layerNorm(x, p, layout.entry(Esm2Weights.FINAL_LN_WEIGHT).offset(),
                layout.entry(Esm2Weights.FINAL_LN_BIAS).offset());
    }

    private int off(int l, String name) {
        return layout.entry(Esm2Weights.layer(l, name)).offset();
    }

    /** -log softmax(lm_head(repr))[target] for one position. */
    private double crossEntropy(double[] p, double[] repr, int target) {
        double[][] h = linear(new double[][] {repr}, p, layout.entry(Esm2Weights.LM_HEAD_DENSE_WEIGHT),
                layout.entry(Esm2Weights.LM_HEAD_DENSE_BIAS).offset());
        gelu(h);
        h = layerNorm(h, p, layout.entry(Esm2Weights.LM_HEAD_LN_WEIGHT).offset(),
                layout.entry(Esm2Weights.LM_HEAD_LN_BIAS).offset());
        double[] logits = linear(h, p, layout.entry(Esm2Weights.EMBED_TOKENS),
                layout.entry(Esm2Weights.LM_HEAD_BIAS).offset())[0];
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) {
            max = Math.max(max, z);
        }
        double sum = 0;
        for (double z : logits) {
            sum += Math.exp(z - max);
        }
        return max + Math.log(sum) - logits[target];
    }

    /** x W^T + b of the target's projection, plus (alpha / r) (x A^T) B^T when LoRA adapts it (no dropout). */
    private double[][] projection(double[] p, double[][] x, int l, LoraTarget target) {
        double[][] y = linear(x, p, layout.entry(target.baseWeight(l)),
                layout.entry(Esm2Weights.layer(l, target.module() + ".bias")).offset());
        if (lora != null && lora.targets().contains(target)) {
            double[][] down = linear(x, p, layout.entry(target.adapterA(l)), -1);
            double[][] up = linear(down, p, layout.entry(target.adapterB(l)), -1);
            double s = lora.alpha() / lora.rank();
            for (int r = 0; r < y.length; r++) {
                for (int o = 0; o < y[r].length; o++) {
                    y[r][o] += s * up[r][o];
                }
            }
        }
        return y;
    }

    /** x W^T (+ b at biasOff unless negative), W an (out, in) entry. */
    static double[][] linear(double[][] x, double[] p, ParameterEntry weight, int biasOff) {
        int out = (int) weight.shape()[0];
        int in = (int) weight.shape()[1];
        double[][] y = new double[x.length][out];
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < out; o++) {
                double acc = biasOff < 0 ? 0 : p[biasOff + o];
                for (int i = 0; i < in; i++) {
                    acc += x[r][i] * p[weight.offset() + o * in + i];
                }
                y[r][o] = acc;
            }
        }
        return y;
    }

    /** torch.nn.LayerNorm over each row: biased variance, eps 1e-5 inside the root. */
    static double[][] layerNorm(double[][] x, double[] p, int gainOff, int biasOff) {
        double[][] y = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            int dim = x[r].length;
            double mean = 0;
            for (double v : x[r]) {
                mean += v;
            }
            mean /= dim;
            double var = 0;
            for (double v : x[r]) {
                var += (v - mean) * (v - mean);
            }
            double rstd = 1 / Math.sqrt(var / dim + Esm2Config.ESM2_LAYER_NORM_EPS);
            y[r] = new double[dim];
            for (int i = 0; i < dim; i++) {
                y[r][i] = (x[r][i] - mean) * rstd * p[gainOff + i] + p[biasOff + i];
            }
        }
        return y;
    }

    /**
     * fair-esm's self-attention core for one sequence: q scaled by hd^-0.5, rotary (rotate_half, theta = t inv_freq)
     * on q and k, softmax over keys, times v. q, k, v and the result are (T, H hd).
     */
    static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int hd, float[] invFreq) {
        int t = q.length;
        double[][] o = new double[t][heads * hd];
        for (int h = 0; h < heads; h++) {
            double[][] qr = new double[t][];
            double[][] kr = new double[t][];
            for (int i = 0; i < t; i++) {
                qr[i] = rotate(q[i], h * hd, hd, i, invFreq, Math.pow(hd, -0.5));
                kr[i] = rotate(k[i], h * hd, hd, i, invFreq, 1);
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
                    for (int e = 0; e < hd; e++) {
                        o[i][h * hd + e] += s[j] / sum * v[j][h * hd + e];
                    }
                }
            }
        }
        return o;
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

    /** Exact GELU, x Phi(x). */
    static double gelu(double x) {
        return 0.5 * x * (1 + ReferenceErf.erf(x / Math.sqrt(2)));
    }

    private static void gelu(double[][] x) {
        for (double[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] = gelu(row[i]);
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
}
