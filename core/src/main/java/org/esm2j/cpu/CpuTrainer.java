package org.esm2j.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.ForwardInputs;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.esm2j.train.loss.CrossEntropyLoss;

/**
 * ESM-2's forward and backward passes in float32 on the CPU over a {@link TrainableModel}'s flat buffers (see
 * docs/TRAINING.md). The batch is packed as in {@link CpuRuntime}: every row-wise operation runs on the (N, D) matrix
 * of all tokens and attention per (sequence, head) on that sequence's rows, so no work goes to padding and a batch
 * gives the gradients of its sequences alone, summed. Buffers are sized for the largest batch seen and reused.
 */
final class CpuTrainer implements Esm2Trainer {
    private enum State { IDLE, FORWARD_DONE, BACKWARD_DONE }

    private final TrainableModel model;
    private final Esm2Config config;
    private final TrainerOptions options;
    private final float[] params;
    private final float[] grads;
    /** The forward GEMM's packed weights, refilled by each linear layer in turn (TrainableLinear). */
    private final float[] packedWeights;
    private final int d;
    private final int ffn;
    private final int vocab;
    private final double eps;
    private final ParameterEntry embed;
    private final Norm[] attnNorms;
    private final Norm[] ffnNorms;
    private final Norm finalNorm;
    private final Norm lmNorm;
    private final TrainableLinear[] qkv;
    private final TrainableLinear[] outProj;
    private final TrainableLinear[] fc1;
    private final TrainableLinear[] fc2;
    private final TrainableLinear lmDense;
    private final TrainableLinear lmOut; // tied: embed_tokens.weight and lm_head.bias
    private final int maxRank;
    private final Attention attention;
    private final AttentionBackward attentionBackward;
    private final Rotary[] rotaries;
    private final float[][] invFreq;

    private Workspace work;
    /** The final representation and its gradient, exactly (N, D) for heads; new arrays only when N changes. */
    private float[] repr = new float[0];
    private float[] reprGrad = new float[0];
    private State state = State.IDLE;
    private List<int[]> tokens;
    private int[] offsets;
    private int[] lengths;
    private int n;
    private int maxT;
    private long step;

    /** A LayerNorm's gain and bias offsets in the buffers; gradient offsets are -1 for frozen tensors. */
    private record Norm(int gain, int bias, int gainGrad, int biasGrad) {
        static Norm of(ParameterLayout layout, String prefix) {
            ParameterEntry g = layout.entry(prefix + ".weight");
            ParameterEntry b = layout.entry(prefix + ".bias");
            return new Norm(g.offset(), b.offset(), g.trainable() ? g.offset() : -1,
                    b.trainable() ? b.offset() : -1);
        }
    }

    CpuTrainer(TrainableModel model, TrainerOptions options) {
        this.model = model;
        this.config = model.config();
        this.options = options;
        this.params = model.parameters();
        this.grads = model.gradients();
        ParameterLayout layout = model.layout();
        d = config.embedDim();
        ffn = config.ffnDim();
        vocab = config.vocabSize();
        eps = config.layerNormEps();
        embed = layout.entry(Esm2Weights.EMBED_TOKENS);
        // the largest out x in product: qkv (3D x D), fc1 (F x D), fc2 (D x F) or the LM head (V x D)
        packedWeights = new float[Math.multiplyExact(Math.max(Math.max(3 * d, ffn), vocab), d)];
        int layers = config.numLayers();
        attnNorms = new Norm[layers];
        ffnNorms = new Norm[layers];
        qkv = new TrainableLinear[layers];
        outProj = new TrainableLinear[layers];
        fc1 = new TrainableLinear[layers];
        fc2 = new TrainableLinear[layers];
        invFreq = new float[layers][];
        LoraConfig lora = model.lora().orElse(null);
        for (int l = 0; l < layers; l++) {
            attnNorms[l] = Norm.of(layout, Esm2Weights.layer(l, "self_attn_layer_norm"));
            ffnNorms[l] = Norm.of(layout, Esm2Weights.layer(l, "final_layer_norm"));
            qkv[l] = linear(layout, lora, l, LoraTarget.Q, LoraTarget.K, LoraTarget.V);
            outProj[l] = linear(layout, lora, l, LoraTarget.O);
            fc1[l] = linear(layout, lora, l, LoraTarget.FC1);
            fc2[l] = linear(layout, lora, l, LoraTarget.FC2);
            invFreq[l] = model.rotaryInvFreq(l);
        }
        finalNorm = Norm.of(layout, "emb_layer_norm_after");
        lmNorm = Norm.of(layout, "lm_head.layer_norm");
        lmDense = new TrainableLinear(layout, params, new String[] {Esm2Weights.LM_HEAD_DENSE_WEIGHT},
                new String[] {Esm2Weights.LM_HEAD_DENSE_BIAS}, new TrainableLinear.Adapter[1], packedWeights);
        lmOut = new TrainableLinear(layout, params, new String[] {Esm2Weights.EMBED_TOKENS},
                new String[] {Esm2Weights.LM_HEAD_BIAS}, new TrainableLinear.Adapter[1], packedWeights);
        int rank = 0;
        for (int l = 0; l < layers; l++) {
            rank = Math.max(rank, Math.max(Math.max(qkv[l].maxRank(), outProj[l].maxRank()),
                    Math.max(fc1[l].maxRank(), fc2[l].maxRank())));
        }
        maxRank = rank;
        attention = new Attention(config.attentionHeads(), config.headDim());
        attentionBackward = new AttentionBackward(config.attentionHeads(), config.headDim());
        rotaries = new Rotary[layers];
    }

    /** The projection of the given targets (parts stacked in this order) in layer l, with adapters where LoRA has them. */
    private TrainableLinear linear(ParameterLayout layout, LoraConfig lora, int l, LoraTarget... parts) {
        String[] weights = new String[parts.length];
        String[] biases = new String[parts.length];
        TrainableLinear.Adapter[] adapters = new TrainableLinear.Adapter[parts.length];
        for (int p = 0; p < parts.length; p++) {
            weights[p] = parts[p].baseWeight(l);
            biases[p] = Esm2Weights.layer(l, parts[p].module() + ".bias");
            if (lora != null && lora.targets().contains(parts[p])) {
                adapters[p] = new TrainableLinear.Adapter(layout.entry(parts[p].adapterA(l)),
                        layout.entry(parts[p].adapterB(l)), lora.scaling(), (float) lora.dropout());
            }
        }
        return new TrainableLinear(layout, params, weights, biases, adapters, packedWeights);
    }

    @Override
    public TrainableModel model() {
        return model;
    }

    /**
     * One layer's saved activations. The two LayerNorm outputs and the GELU output are cheap to recompute from what
     * is kept (input, mid, pre), so all layers share one buffer of each, refilled in the backward pass right before
     * use: a fifth less memory per layer for about 3% of the step. The LayerNorms refill from the row statistics their
     * forward pass kept (one pass over the rows instead of three), which their backward passes use too. With
     * recomputation all layers share everything but their input.
     */
    private static final class LayerActivations {
        final float[] input; // (N, D)
        final float[] norm1; // (N, D)
        final double[] norm1Stats; // (N, 2) mean and 1/std of input's rows: the refill and the backward reuse them
        final float[] qkv; // (N, 3D)
        final float[] attn; // (N, D)
        final float[] mid; // (N, D) residual after attention
        final float[] norm2; // (N, D)
        final double[] norm2Stats; // (N, 2) of mid's rows
        final float[] pre; // (N, F) fc1 output
        final float[] act; // (N, F) GELU
        final TrainableLinear.AdapterActivations qkvLora;
        final TrainableLinear.AdapterActivations outLora;
        final TrainableLinear.AdapterActivations fc1Lora;
        final TrainableLinear.AdapterActivations fc2Lora;

        /** A set for layer l, with the recomputed buffers of {@code recomputable} (its own ones when null). */
        LayerActivations(CpuTrainer t, int l, int rows, LayerActivations recomputable) {
            int nd = Math.multiplyExact(rows, t.d);
            int nf = Math.multiplyExact(rows, t.ffn);
            input = new float[nd];
            norm1 = recomputable == null ? new float[nd] : recomputable.norm1;
            norm1Stats = new double[Math.multiplyExact(rows, 2)];
            qkv = new float[Math.multiplyExact(nd, 3)];
            attn = new float[nd];
            mid = new float[nd];
            norm2 = recomputable == null ? new float[nd] : recomputable.norm2;
            norm2Stats = new double[Math.multiplyExact(rows, 2)];
            pre = new float[nf];
            act = recomputable == null ? new float[nf] : recomputable.act;
            qkvLora = new TrainableLinear.AdapterActivations(t.qkv[l], rows);
            outLora = new TrainableLinear.AdapterActivations(t.outProj[l], rows);
            fc1Lora = new TrainableLinear.AdapterActivations(t.fc1[l], rows);
            fc2Lora = new TrainableLinear.AdapterActivations(t.fc2[l], rows);
        }

        /** Its own input, everything else shared with {@code shared}. */
        LayerActivations(float[] input, LayerActivations shared) {
            this.input = input;
            norm1 = shared.norm1;
            norm1Stats = shared.norm1Stats;
            qkv = shared.qkv;
            attn = shared.attn;
            mid = shared.mid;
            norm2 = shared.norm2;
            norm2Stats = shared.norm2Stats;
            pre = shared.pre;
            act = shared.act;
            qkvLora = shared.qkvLora;
            outLora = shared.outLora;
            fc1Lora = shared.fc1Lora;
            fc2Lora = shared.fc2Lora;
        }
    }

    /** Every buffer of a step over up to {@code rows} tokens. */
    private static final class Workspace {
        final int rows;
        final LayerActivations[] layers;
        final float[] last; // (N, D) input of emb_layer_norm_after
        final float[] proj; // (N, D) out_proj / fc2 outputs before the residual add
        final float[] recomputedOutput; // (N, D) with recomputation: a layer's output, not needed again
        final float[] dResidual; // (N, D)
        final float[] dNarrow; // (N, D)
        final float[] dWide; // (N, F)
        final float[] dQkv; // (N, 3D)
        final double[] lastStats; // (N, 2) of emb_layer_norm_after's rows
        final double[] normColumnSums; // (2 D) scratch of the LayerNorm backward passes
        final TrainableLinear.Scratch linear;
        // LM head over the scored rows (M <= N)
        final int[] scoredRows;
        final int[] scoredTargets;
        private LmHeadBuffers lmHead;

        Workspace(CpuTrainer t, int rows) {
            this.rows = rows;
            int layerCount = t.config.numLayers();
            int nd = Math.multiplyExact(rows, t.d);
            layers = new LayerActivations[layerCount];
            LayerActivations first = new LayerActivations(t, 0, rows, null);
            if (t.options.recomputeLayers()) {
                for (int l = 0; l < layerCount; l++) {
                    layers[l] = l == 0 ? first : new LayerActivations(new float[nd], first);
                }
            } else {
                for (int l = 0; l < layerCount; l++) {
                    layers[l] = l == 0 ? first : new LayerActivations(t, l, rows, first);
                }
            }
            last = new float[nd];
            proj = new float[nd];
            recomputedOutput = t.options.recomputeLayers() ? new float[nd] : null;
            dResidual = new float[nd];
            dNarrow = new float[nd];
            dWide = new float[Math.multiplyExact(rows, t.ffn)];
            dQkv = new float[Math.multiplyExact(nd, 3)];
            lastStats = new double[Math.multiplyExact(rows, 2)];
            normColumnSums = new double[2 * t.d];
            int maxOut = Math.max(Math.max(3 * t.d, t.ffn), t.vocab);
            linear = new TrainableLinear.Scratch(rows, Math.max(t.d, t.ffn), maxOut, t.maxRank);
            scoredRows = new int[rows];
            scoredTargets = new int[rows];
            lmHead = new LmHeadBuffers(0, t.d, t.vocab);
        }

        /**
         * Buffers for the LM head over {@code scored} rows. Masked-LM scores about 15% of the rows, so they are sized
         * to the rows scored, not to the batch, and grow by half again when a batch scores more (a few times early
         * in a run, then no more allocation).
         */
        LmHeadBuffers lmHead(int scored) {
            if (lmHead.rows < scored) {
                int capacity = Math.min(rows, Math.max(scored, lmHead.rows + lmHead.rows / 2));
                int d = lmHead.d;
                int vocab = lmHead.vocab;
                lmHead = null; // let the old buffers go before the new ones are allocated
                lmHead = new LmHeadBuffers(capacity, d, vocab);
            }
            return lmHead;
        }
    }

    /** The LM head's activations and gradients for up to {@code rows} scored rows. */
    private static final class LmHeadBuffers {
        final int rows;
        final int d;
        final int vocab;
        final float[] in;
        final float[] pre;
        final float[] act;
        final float[] normed;
        final double[] normStats;
        final float[] logits;
        final float[] dLogits;
        final float[] dNormed;
        final float[] dAct;
        final float[] dIn;

        LmHeadBuffers(int rows, int d, int vocab) {
            this.rows = rows;
            this.d = d;
            this.vocab = vocab;
            int nd = Math.multiplyExact(rows, d);
            in = new float[nd];
            pre = new float[nd];
            act = new float[nd];
            normed = new float[nd];
            normStats = new double[Math.multiplyExact(rows, 2)];
            logits = new float[Math.multiplyExact(rows, vocab)];
            dLogits = new float[logits.length];
            dNormed = new float[nd];
            dAct = new float[nd];
            dIn = new float[nd];
        }
    }

    @Override
    public PackedRepresentation forward(List<int[]> batch) {
        if (model.loraMerged()) {
            throw new IllegalStateException("the model's LoRA adapters are merged into the base weights; unmerge them "
                    + "before training");
        }
        if (batch.isEmpty()) {
            throw new InvalidInputException("the training batch has no sequences");
        }
        int[] offs = new int[batch.size()];
        int[] lens = new int[batch.size()];
        int total = 0;
        int longest = 0;
        for (int b = 0; b < batch.size(); b++) {
            int[] seq = batch.get(b);
            ForwardInputs.checkSequence(seq, b, config, false);
            offs[b] = total;
            lens[b] = seq.length;
            total = Math.addExact(total, seq.length);
            longest = Math.max(longest, seq.length);
        }
        tokens = new ArrayList<>(batch);
        offsets = offs;
        lengths = lens;
        n = total;
        maxT = longest;
        if (work == null || work.rows < n) {
            work = null; // let the old buffers go before the new ones are allocated
            work = new Workspace(this, n);
        }
        step++;
        refreshWeights();
        LayerActivations[] acts = work.layers;
        TokenEmbedding.forward(params, embed.offset(), d, config.tokenDropout(), tokens, offsets, acts[0].input);
        for (int l = 0; l < acts.length; l++) {
            layerForward(l, acts[l], l + 1 < acts.length ? acts[l + 1].input : work.last);
        }
        if (repr.length != n * d) {
            repr = new float[n * d];
            reprGrad = new float[n * d];
        } else {
            Arrays.fill(reprGrad, 0f);
        }
        LayerNorm.applyParallel(work.last, repr, n, d, params, finalNorm.gain(), finalNorm.bias(), eps,
                work.lastStats);
        state = State.FORWARD_DONE;
        return new PackedRepresentation(n, d, offsets.clone(), lengths.clone(), repr, reprGrad);
    }

    private void refreshWeights() {
        for (int l = 0; l < qkv.length; l++) {
            qkv[l].refresh();
            outProj[l].refresh();
            fc1[l].refresh();
            fc2[l].refresh();
        }
        lmDense.refresh();
        lmOut.refresh();
    }

    /** Layer l's rotary table for positions below maxT. */
    private Rotary rotary(int l) {
        Rotary r = rotaries[l];
        if (r == null || r.maxPositions < maxT) {
            r = new Rotary(invFreq[l], maxT);
            rotaries[l] = r;
        }
        return r;
    }

    /** The seed of one adapted linear's dropout masks in this step; recomputation draws the same masks. */
    private long dropoutSeed(int layer, int slot) {
        long index = (step * config.numLayers() + layer) * 4 + slot;
        return options.seed() * 0x9E3779B97F4A7C15L + index * 16;
    }

    private void layerForward(int l, LayerActivations a, float[] output) {
        Workspace w = work;
        attentionNorm(l, a);
        qkv[l].forward(a.norm1, n, a.qkv, a.qkvLora, dropoutSeed(l, 0), w.linear);
        attention.forward(a.qkv, offsets, lengths, rotary(l), a.attn, null, 0);
        outProj[l].forward(a.attn, n, w.proj, a.outLora, dropoutSeed(l, 1), w.linear);
        add(a.input, w.proj, a.mid, n * d);
        feedForwardNorm(l, a);
        fc1[l].forward(a.norm2, n, a.pre, a.fc1Lora, dropoutSeed(l, 2), w.linear);
        activate(a);
        fc2[l].forward(a.act, n, w.proj, a.fc2Lora, dropoutSeed(l, 3), w.linear);
        add(a.mid, w.proj, output, n * d);
    }

    private void attentionNorm(int l, LayerActivations a) {
        LayerNorm.applyParallel(a.input, a.norm1, n, d, params, attnNorms[l].gain(), attnNorms[l].bias(), eps,
                a.norm1Stats);
    }

    private void feedForwardNorm(int l, LayerActivations a) {
        LayerNorm.applyParallel(a.mid, a.norm2, n, d, params, ffnNorms[l].gain(), ffnNorms[l].bias(), eps,
                a.norm2Stats);
    }

    /** norm1 again in the backward pass, from the row statistics its forward pass kept. */
    private void refillAttentionNorm(int l, LayerActivations a) {
        LayerNorm.applySavedParallel(a.input, a.norm1, n, d, params, attnNorms[l].gain(), attnNorms[l].bias(),
                a.norm1Stats);
    }

    /** norm2 again in the backward pass, from the row statistics its forward pass kept. */
    private void refillFeedForwardNorm(int l, LayerActivations a) {
        LayerNorm.applySavedParallel(a.mid, a.norm2, n, d, params, ffnNorms[l].gain(), ffnNorms[l].bias(),
                a.norm2Stats);
    }

    /** {@code act = gelu(pre)}. */
    private void activate(LayerActivations a) {
        Kernels kernels = Kernels.preferred();
        Parallel.forRange(n, (r0, r1) -> {
            System.arraycopy(a.pre, r0 * ffn, a.act, r0 * ffn, (r1 - r0) * ffn);
            kernels.gelu(a.act, r0 * ffn, (r1 - r0) * ffn);
        });
    }

    /** {@code out = residual + branch}, fair-esm's {@code x = residual + x}. */
    private static void add(float[] residual, float[] branch, float[] out, int count) {
        Parallel.forRange(count, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                out[i] = residual[i] + branch[i];
            }
        });
    }

    @Override
    public double maskedLmLoss(List<int[]> targets) {
        requireState(State.FORWARD_DONE, "maskedLmLoss");
        if (targets.size() != lengths.length) {
            throw new InvalidInputException("got targets for " + targets.size() + " sequences, the batch has "
                    + lengths.length);
        }
        Workspace w = work;
        int m = 0;
        for (int b = 0; b < lengths.length; b++) {
            int[] t = targets.get(b);
            if (t.length != lengths[b]) {
                throw new InvalidInputException("sequence " + b + " has " + lengths[b] + " tokens but "
                        + t.length + " targets");
            }
            for (int p = 0; p < t.length; p++) {
                if (t[p] == CrossEntropyLoss.IGNORE_INDEX) {
                    continue;
                }
                if (t[p] < 0 || t[p] >= vocab) {
                    throw new InvalidInputException("sequence " + b + " position " + p + ": target " + t[p]
                            + " is neither " + CrossEntropyLoss.IGNORE_INDEX + " nor a token id 0.." + (vocab - 1));
                }
                w.scoredRows[m] = offsets[b] + p;
                w.scoredTargets[m] = t[p];
                m++;
            }
        }
        if (m == 0) {
            throw new InvalidInputException("no position of the batch has a masked-LM target (all are "
                    + CrossEntropyLoss.IGNORE_INDEX + ")");
        }
        int rows = m;
        LmHeadBuffers h = w.lmHead(rows);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(repr, w.scoredRows[i] * d, h.in, i * d, d);
        }
        // RobertaLMHead: dense, GELU, LayerNorm, tied embedding + bias
        Kernels kernels = Kernels.preferred();
        lmDense.forward(h.in, rows, h.pre, null, 0, w.linear);
        Parallel.forRange(rows, (r0, r1) -> {
            System.arraycopy(h.pre, r0 * d, h.act, r0 * d, (r1 - r0) * d);
            kernels.gelu(h.act, r0 * d, (r1 - r0) * d);
        });
        LayerNorm.applyParallel(h.act, h.normed, rows, d, params, lmNorm.gain(), lmNorm.bias(), eps, h.normStats);
        lmOut.forward(h.normed, rows, h.logits, null, 0, w.linear);
        double loss = crossEntropy(h.logits, w.scoredTargets, rows, h.dLogits);

        lmOut.backward(h.normed, rows, h.dLogits, h.dNormed, grads, null, w.linear);
        Arrays.fill(h.dAct, 0, rows * d, 0f);
        LayerNorm.backwardParallel(h.act, h.dNormed, h.dAct, rows, d, params, lmNorm.gain(), h.normStats, grads,
                lmNorm.gainGrad(), lmNorm.biasGrad(), w.normColumnSums);
        Parallel.forRange(rows, (r0, r1) -> kernels.geluBackward(h.pre, r0 * d, h.dAct, r0 * d, (r1 - r0) * d));
        lmDense.backward(h.in, rows, h.dAct, h.dIn, grads, null, w.linear);
        for (int i = 0; i < rows; i++) {
            int dst = w.scoredRows[i] * d;
            for (int c = 0; c < d; c++) {
                reprGrad[dst + c] += h.dIn[i * d + c];
            }
        }
        return loss;
    }

    /**
     * Mean cross-entropy of the rows' logits (rows, V) against the targets, log-sum-exp in double; writes its
     * gradient {@code (softmax - onehot) / rows} into dLogits.
     */
    private double crossEntropy(float[] logits, int[] targets, int rows, float[] dLogits) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                max = Math.max(max, logits[off + c]);
            }
            double sum = 0;
            for (int c = 0; c < vocab; c++) {
                sum += Math.exp(logits[off + c] - max);
            }
            double logSum = max + Math.log(sum);
            total += logSum - logits[off + targets[r]];
            for (int c = 0; c < vocab; c++) {
                double p = Math.exp(logits[off + c] - logSum);
                dLogits[off + c] = (float) ((p - (c == targets[r] ? 1 : 0)) / rows);
            }
        }
        return total / rows;
    }

    @Override
    public void backward() {
        requireState(State.FORWARD_DONE, "backward");
        Workspace w = work;
        LayerActivations[] acts = w.layers;
        Arrays.fill(w.dResidual, 0, n * d, 0f);
        LayerNorm.backwardParallel(w.last, reprGrad, w.dResidual, n, d, params, finalNorm.gain(), w.lastStats,
                grads, finalNorm.gainGrad(), finalNorm.biasGrad(), w.normColumnSums);
        for (int l = acts.length - 1; l >= 0; l--) {
            if (options.recomputeLayers()) {
                layerForward(l, acts[l], w.recomputedOutput);
            }
            layerBackward(l, acts[l]);
        }
        if (embed.trainable()) {
            TokenEmbedding.backward(w.dResidual, d, config.tokenDropout(), tokens, offsets, grads, embed.offset());
        }
        state = State.BACKWARD_DONE;
    }

    /** On entry dResidual holds the gradient of layer l's output; on exit that of its input. */
    private void layerBackward(int l, LayerActivations a) {
        Workspace w = work;
        Kernels kernels = Kernels.preferred();
        float[] dRes = w.dResidual;
        // The shared buffers (LayerActivations) hold another layer's values unless this layer was just recomputed.
        boolean refill = !options.recomputeLayers() && l != w.layers.length - 1;
        if (refill) {
            activate(a);
        }
        fc2[l].backward(a.act, n, dRes, w.dWide, grads, a.fc2Lora, w.linear);
        Parallel.forRange(n, (r0, r1) -> kernels.geluBackward(a.pre, r0 * ffn, w.dWide, r0 * ffn, (r1 - r0) * ffn));
        if (refill) {
            refillFeedForwardNorm(l, a);
        }
        fc1[l].backward(a.norm2, n, w.dWide, w.dNarrow, grads, a.fc1Lora, w.linear);
        Norm f = ffnNorms[l];
        LayerNorm.backwardParallel(a.mid, w.dNarrow, dRes, n, d, params, f.gain(), a.norm2Stats, grads,
                f.gainGrad(), f.biasGrad(), w.normColumnSums);
        outProj[l].backward(a.attn, n, dRes, w.dNarrow, grads, a.outLora, w.linear);
        attentionBackward.backward(a.qkv, offsets, lengths, rotary(l), w.dNarrow, w.dQkv);
        if (refill) {
            refillAttentionNorm(l, a);
        }
        qkv[l].backward(a.norm1, n, w.dQkv, w.dNarrow, grads, a.qkvLora, w.linear);
        Norm g = attnNorms[l];
        LayerNorm.backwardParallel(a.input, w.dNarrow, dRes, n, d, params, g.gain(), a.norm1Stats, grads,
                g.gainGrad(), g.biasGrad(), w.normColumnSums);
    }

    private void requireState(State expected, String call) {
        if (state != expected) {
            throw new IllegalStateException(call + " needs a forward pass first (one backward per forward)");
        }
    }

    @Override
    public long forwardPasses() {
        return step;
    }

    @Override
    public void restoreForwardPasses(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("forward pass count must be >= 0: " + count);
        }
        step = count;
    }

    @Override
    public void close() {
        work = null;
    }
}
