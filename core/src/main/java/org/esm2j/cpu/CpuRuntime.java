package org.esm2j.cpu;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.backend.ForwardInputs;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * The ESM-2 forward pass of fair-esm in float32 on the CPU. The batch is packed: all sequences' tokens form one
 * (N, D) activation matrix for the projections, LayerNorms and feed-forward layers, and attention runs per
 * (sequence, head) on that sequence's rows only, so no work is spent on padding and every output is bit-identical to
 * running the sequence alone. Thread-safe: a forward pass only reads the weights.
 */
final class CpuRuntime implements Esm2Runtime {
    /** Workspaces up to this many floats (64 MB) are kept for the next pass. */
    private static final long RETAINED_WORKSPACE_FLOATS = 16L << 20;

    private final Esm2Config config;
    private final float[] embedTokens; // (V, D)
    private final CpuLayer[] layers;
    private final float[] finalNormGain;
    private final float[] finalNormBias;
    private final LinearWeights lmDense; // (D -> D)
    private final float[] lmNormGain;
    private final float[] lmNormBias;
    private final LinearWeights lmOut; // (D -> V), tied to embed_tokens, + lm_head.bias
    private final ContactPrediction contactHead; // null without contact-regression weights
    private final Attention attention;
    /** Per layer, the rotary table of the longest sequence so far (immutable, final fields: safe to share racily). */
    private final Rotary[] rotaries;
    /** The last forward pass's activation buffers, for the next one; taken, so concurrent passes never share. */
    private final AtomicReference<Workspace> spareWorkspace = new AtomicReference<>();

    CpuRuntime(Esm2Weights w) {
        config = w.config();
        int d = config.embedDim();
        int v = config.vocabSize();
        embedTokens = w.floats(Esm2Weights.EMBED_TOKENS);
        layers = new CpuLayer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new CpuLayer(w, i);
        }
        finalNormGain = w.floats(Esm2Weights.FINAL_LN_WEIGHT);
        finalNormBias = w.floats(Esm2Weights.FINAL_LN_BIAS);
        lmDense = LinearWeights.fromTorch(w.floats(Esm2Weights.LM_HEAD_DENSE_WEIGHT), d, d,
                w.floats(Esm2Weights.LM_HEAD_DENSE_BIAS));
        lmNormGain = w.floats(Esm2Weights.LM_HEAD_LN_WEIGHT);
        lmNormBias = w.floats(Esm2Weights.LM_HEAD_LN_BIAS);
        lmOut = LinearWeights.fromTorch(embedTokens, v, d, w.floats(Esm2Weights.LM_HEAD_BIAS));
        contactHead = ContactPrediction.of(w);
        attention = new Attention(config.attentionHeads(), config.headDim());
        rotaries = new Rotary[layers.length];
    }

    /** Buffers for a batch of n tokens: the spare ones when they are large enough, else new ones. */
    private Workspace takeWorkspace(int n) {
        Workspace w = spareWorkspace.getAndSet(null);
        return w != null && w.tokens >= n ? w : new Workspace(n, config.embedDim(), config.ffnDim());
    }

    /**
     * The activations of one forward pass over up to {@code tokens} packed tokens. Every buffer is fully written
     * before it is read, so a reused one needs no clearing.
     */
    private static final class Workspace {
        final int tokens;
        final long floats;
        final float[] residual; // (N, D)
        final float[] normed; // (N, D)
        final float[] qkv; // (N, 3D)
        final float[] attnOut; // (N, D)
        final float[] proj; // (N, D)
        final float[] hidden; // (N, F)

        Workspace(int tokens, int d, int ffn) {
            this.tokens = tokens;
            int nd = Math.multiplyExact(tokens, d);
            residual = new float[nd];
            normed = new float[nd];
            qkv = new float[Math.multiplyExact(nd, 3)];
            attnOut = new float[nd];
            proj = new float[nd];
            hidden = new float[Math.multiplyExact(tokens, ffn)];
            floats = 7L * nd + hidden.length;
        }
    }

    /** Layer l's cos/sin table for positions below maxT, computed once rather than on every forward pass. */
    private Rotary rotary(int l, int maxT) {
        Rotary r = rotaries[l];
        if (r == null || r.maxPositions < maxT) {
            r = new Rotary(layers[l].invFreq, maxT);
            rotaries[l] = r;
        }
        return r;
    }

    @Override
    public Esm2Config config() {
        return config;
    }

    @Override
    public ForwardResult forward(List<int[]> tokens, ForwardRequest request) {
        int batch = tokens.size();
        int[] lengths = new int[batch];
        int[] offsets = new int[batch];
        int n = 0;
        int maxT = 0;
        for (int b = 0; b < batch; b++) {
            int[] seq = tokens.get(b);
            ForwardInputs.checkSequence(seq, b, config, request.contacts());
            lengths[b] = seq.length;
            offsets[b] = n;
            n = Math.addExact(n, seq.length);
            maxT = Math.max(maxT, seq.length);
        }
        ForwardInputs.checkRequest(request, config, contactHead != null);
        int numLayers = config.numLayers();
        int d = config.embedDim();
        boolean keepProbs = request.attentions() || request.contacts();
        float[][] probs = keepProbs ? allocateProbs(lengths) : null;
        Map<Integer, float[][]> reps = new LinkedHashMap<>();

        Workspace work = takeWorkspace(n);
        float[] x = work.residual; // (N, D)
        embed(tokens, offsets, x);
        capture(request, 0, x, d, offsets, lengths, reps);

        float[] normed = work.normed;
        float[] qkv = work.qkv;
        float[] attnOut = work.attnOut;
        float[] proj = work.proj;
        float[] hidden = work.hidden;
        MatMul.Epilogue addToResidual = (r0, r1, c0, c1) -> addInto(proj, x, d, r0, r1, c0, c1);
        int ffn = config.ffnDim();
        MatMul.Epilogue geluHidden = (r0, r1, c0, c1) -> gelu(hidden, ffn, r0, r1, c0, c1);
        double eps = config.layerNormEps();
        for (int l = 0; l < numLayers; l++) {
            CpuLayer layer = layers[l];
            LayerNorm.applyParallel(x, normed, n, d, layer.attnNormGain, layer.attnNormBias, eps);
            MatMul.linear(normed, n, layer.qkv, qkv, null, true);
            attention.forward(qkv, offsets, lengths, rotary(l, maxT), attnOut, probs, l);
            MatMul.linear(attnOut, n, layer.outProj, proj, addToResidual, true);
            LayerNorm.applyParallel(x, normed, n, d, layer.ffnNormGain, layer.ffnNormBias, eps);
            MatMul.linear(normed, n, layer.fc1, hidden, geluHidden, true);
            MatMul.linear(hidden, n, layer.fc2, proj, addToResidual, true);
            if (l + 1 < numLayers) {
                capture(request, l + 1, x, d, offsets, lengths, reps);
            }
        }
        LayerNorm.applyParallel(x, normed, n, d, finalNormGain, finalNormBias, eps);
        capture(request, numLayers, normed, d, offsets, lengths, reps);

        float[][] logits = request.lmHead() ? lmHead(normed, n, offsets, lengths) : null;
        spareWorkspace.set(work.floats <= RETAINED_WORKSPACE_FLOATS ? work : null);
        float[][] logProbabilities = request.logProbabilities() ? logProbabilities(logits) : null;
        float[][] contacts = request.contacts() ? contacts(tokens, probs) : null;
        return new ForwardResult(lengths, request.logits() ? logits : null, logProbabilities, reps,
                request.attentions() ? probs : null, contacts);
    }

    private float[][] allocateProbs(int[] lengths) {
        float[][] probs = new float[lengths.length][];
        long perToken2 = (long) config.numLayers() * config.attentionHeads();
        for (int b = 0; b < lengths.length; b++) {
            long size = perToken2 * lengths[b] * lengths[b];
            if (size > Integer.MAX_VALUE - 8) {
                throw new InvalidInputException("sequence " + b + " of " + lengths[b] + " tokens is too long to return "
                        + "attention maps or contacts: " + size + " values exceed a Java array");
            }
            probs[b] = new float[(int) size];
        }
        return probs;
    }

    /** Token embeddings with fair-esm's token dropout: {@code <mask>} rows zeroed, all rows rescaled per sequence. */
    private void embed(List<int[]> tokens, int[] offsets, float[] x) {
        int d = config.embedDim();
        for (int b = 0; b < tokens.size(); b++) {
            int[] seq = tokens.get(b);
            float denominator = 1f;
            if (config.tokenDropout()) {
                int masks = 0;
                for (int id : seq) {
                    if (id == Alphabet.MASK) {
                        masks++;
                    }
                }
                // PyTorch: (count.to(float32) / src_lengths) then (1 - ratio), all float32.
                denominator = 1f - (float) masks / (float) seq.length;
            }
            for (int p = 0; p < seq.length; p++) {
                int row = (offsets[b] + p) * d;
                if (config.tokenDropout() && seq[p] == Alphabet.MASK) {
                    Arrays.fill(x, row, row + d, 0f);
                    continue;
                }
                int src = seq[p] * d;
                for (int i = 0; i < d; i++) {
                    float e = embedTokens[src + i];
                    x[row + i] = config.tokenDropout() ? e * Esm2Config.TOKEN_DROPOUT_KEEP / denominator : e;
                }
            }
        }
    }

    private static void capture(ForwardRequest request, int layer, float[] x, int width, int[] offsets,
            int[] lengths, Map<Integer, float[][]> reps) {
        if (!request.representationLayers().contains(layer)) {
            return;
        }
        reps.put(layer, split(x, width, offsets, lengths));
    }

    private static float[][] split(float[] packed, int width, int[] offsets, int[] lengths) {
        float[][] out = new float[lengths.length][];
        for (int b = 0; b < lengths.length; b++) {
            out[b] = new float[lengths[b] * width];
            System.arraycopy(packed, offsets[b] * width, out[b], 0, out[b].length);
        }
        return out;
    }

    private static void addInto(float[] src, float[] dst, int width, int r0, int r1, int c0, int c1) {
        for (int r = r0; r < r1; r++) {
            int row = r * width;
            for (int c = c0; c < c1; c++) {
                dst[row + c] += src[row + c];
            }
        }
    }

    private static void gelu(float[] y, int width, int r0, int r1, int c0, int c1) {
        Kernels kernels = Kernels.preferred();
        for (int r = r0; r < r1; r++) {
            kernels.gelu(y, r * width + c0, c1 - c0);
        }
    }

    /** RobertaLMHead: dense, GELU, LayerNorm, then the tied embedding matrix and lm_head.bias. */
    private float[][] lmHead(float[] features, int n, int[] offsets, int[] lengths) {
        int d = config.embedDim();
        float[] h = new float[n * d];
        MatMul.linear(features, n, lmDense, h, (r0, r1, c0, c1) -> gelu(h, d, r0, r1, c0, c1), true);
        LayerNorm.applyParallel(h, h, n, d, lmNormGain, lmNormBias, config.layerNormEps());
        float[] logits = new float[n * config.vocabSize()];
        MatMul.linear(h, n, lmOut, logits, null, true);
        return split(logits, config.vocabSize(), offsets, lengths);
    }

    private float[][] logProbabilities(float[][] logits) {
        float[][] out = new float[logits.length][];
        for (int b = 0; b < logits.length; b++) {
            out[b] = LogSoftmax.rows(logits[b], config.vocabSize());
        }
        return out;
    }

    private float[][] contacts(List<int[]> tokens, float[][] probs) {
        float[][] out = new float[tokens.size()][];
        Parallel.forRange(tokens.size(), (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                out[b] = contactHead.predict(probs[b], tokens.get(b));
            }
        });
        return out;
    }

    @Override
    public void close() {
        // Only Java arrays are held; the garbage collector frees them with the runtime.
    }
}
