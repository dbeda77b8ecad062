package org.esm2j.checkpoint;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.HalfFloats;
import org.esm2j.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a checkpoint's tensors, already under canonical names, into {@link Esm2Weights}: checks that a stored LM-head
 * weight is really the tied embedding, gives every layer its rotary {@code inv_freq}, keeps only the parameters the
 * model uses, and takes the architecture from the config or, without one, from the shapes.
 */
final class WeightsAssembler {
    private static final Logger LOG = LoggerFactory.getLogger(WeightsAssembler.class);
    private static final double ROTARY_BASE = 10000.0;

    private WeightsAssembler() {
    }

    /** @param config the checkpoint's stated architecture, or null to infer it from the shapes */
    static Esm2Weights assemble(Map<String, Tensor> canonical, Esm2Config config) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(canonical);
        Esm2Config cfg = config != null ? config : ArchitectureInference.infer(tensors);
        checkTiedLmHead(tensors);
        Tensor shared = tensors.remove(KeyNames.SHARED_INV_FREQ);
        for (int i = 0; i < cfg.numLayers(); i++) {
            String name = Esm2Weights.layer(i, "self_attn.rot_emb.inv_freq");
            if (!tensors.containsKey(name)) {
                tensors.put(name, shared != null ? shared : recomputedInvFreq(cfg.headDim(), name));
            }
        }
        boolean withContactHead = tensors.containsKey(Esm2Weights.CONTACT_WEIGHT)
                || tensors.containsKey(Esm2Weights.CONTACT_BIAS);
        Map<String, Tensor> used = new LinkedHashMap<>();
        for (String name : Esm2Weights.expectedShapes(cfg, withContactHead).keySet()) {
            Tensor t = tensors.get(name);
            if (t != null) {
                used.put(name, t);
            }
        }
        if (tensors.containsKey(Esm2Weights.CONTACT_WEIGHT) != tensors.containsKey(Esm2Weights.CONTACT_BIAS)) {
            throw new CheckpointException("contact head is incomplete: found only "
                    + (tensors.containsKey(Esm2Weights.CONTACT_WEIGHT) ? Esm2Weights.CONTACT_WEIGHT
                            : Esm2Weights.CONTACT_BIAS));
        }
        return new Esm2Weights(cfg, used);
    }

    /**
     * The LM head multiplies by {@code embed_tokens.weight}; a checkpoint that stores a separate copy (fair-esm
     * {@code lm_head.weight}, HF {@code lm_head.decoder.weight}) must hold the same values, or it is not ESM-2.
     */
    private static void checkTiedLmHead(Map<String, Tensor> tensors) {
        Tensor head = tensors.remove(KeyNames.TIED_LM_HEAD);
        if (head == null) {
            return;
        }
        Tensor embed = tensors.get(Esm2Weights.EMBED_TOKENS);
        if (embed == null) {
            throw new CheckpointException("checkpoint has an LM-head weight but no " + Esm2Weights.EMBED_TOKENS);
        }
        if (!Arrays.equals(head.shape(), embed.shape())) {
            throw new CheckpointException("LM-head weight has shape " + Arrays.toString(head.shape())
                    + " but it is tied to " + Esm2Weights.EMBED_TOKENS + " of shape " + Arrays.toString(embed.shape()));
        }
        if (head.dtype() == embed.dtype() && head.bytes().equals(embed.bytes())) {
            return;
        }
        if (!head.dtype().isFloatingPoint() || !embed.dtype().isFloatingPoint()) {
            throw new CheckpointException("LM-head weight (" + head.dtype() + ") and " + Esm2Weights.EMBED_TOKENS
                    + " (" + embed.dtype() + ") must be floating point");
        }
        float[] h = head.toFloatArray();
        float[] e = embed.toFloatArray();
        for (int i = 0; i < h.length; i++) {
            if (Float.compare(h[i], e[i]) != 0) {
                long cols = embed.dim(1);
                throw new CheckpointException("LM-head weight differs from " + Esm2Weights.EMBED_TOKENS + " at ["
                        + i / cols + ", " + i % cols + "] (" + h[i] + " vs " + e[i]
                        + "); ESM-2 ties them, so this checkpoint is not an ESM-2 model");
            }
        }
    }

    /**
     * For checkpoints that do not store {@code inv_freq} (transformers may drop non-persistent buffers): the fp32
     * formula 1 / 10000^(2i/hd), then rounded through fp16. Every released ESM-2 checkpoint stores its inv_freq with
     * that fp16 rounding (the models were trained in fp16; convert_esm.py warns that recomputing it changes the
     * outputs), and so do the golden fixtures, so the rounded values are the ones the weights were trained with.
     * transformers itself would recompute without the rounding and drift from fair-esm.
     */
    private static Tensor recomputedInvFreq(int headDim, String name) {
        LOG.warn("checkpoint has no {}; recomputing it with the fp16 rounding of the released ESM-2 weights", name);
        float[] v = new float[headDim / 2];
        for (int i = 0; i < v.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            float value = 1f / (float) Math.pow(ROTARY_BASE, exponent); // torch does this in float32
            v[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(value));
        }
        return Tensor.ofFloats(v, v.length);
    }
}
