package org.esm2j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;

/**
 * An ESM-2 model being trained: its parameters and gradients as flat float32 buffers under one
 * {@link ParameterLayout} (fair-esm's {@code named_parameters()} order, then LoRA adapters, then any head tensors),
 * plus the rotary {@code inv_freq} buffers, which are not parameters. See docs/TRAINING.md.
 */
public final class TrainableModel {
    private final Esm2Config config;
    private final ParameterLayout layout;
    private final float[] parameters;
    private final float[] gradients;
    private final float[][] rotaryInvFreq;
    private final LoraConfig lora;
    private boolean loraMerged;

    private TrainableModel(Esm2Config config, ParameterLayout layout, float[][] rotaryInvFreq, LoraConfig lora) {
        this.config = config;
        this.layout = layout;
        this.parameters = new float[layout.size()];
        this.gradients = new float[layout.size()];
        this.rotaryInvFreq = rotaryInvFreq;
        this.lora = lora;
    }

    /** Full fine-tuning of every backbone parameter (the contact head, which no training loss reaches, is frozen). */
    public static TrainableModel of(Esm2Weights weights) {
        return builder(weights).build();
    }

    public static Builder builder(Esm2Weights weights) {
        return new Builder(weights);
    }

    /**
     * The backbone's parameters with shapes in fair-esm's {@code named_parameters()} order (the tied LM-head weight
     * omitted, the contact head only when present).
     */
    public static Map<String, long[]> backboneShapes(Esm2Config c, boolean withContactHead) {
        long d = c.embedDim();
        long f = c.ffnDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(Esm2Weights.EMBED_TOKENS, new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            for (String p : List.of("k_proj", "v_proj", "q_proj", "out_proj")) {
                m.put(Esm2Weights.layer(i, "self_attn." + p + ".weight"), new long[] {d, d});
                m.put(Esm2Weights.layer(i, "self_attn." + p + ".bias"), new long[] {d});
            }
            m.put(Esm2Weights.layer(i, "self_attn_layer_norm.weight"), new long[] {d});
            m.put(Esm2Weights.layer(i, "self_attn_layer_norm.bias"), new long[] {d});
            m.put(Esm2Weights.layer(i, "fc1.weight"), new long[] {f, d});
            m.put(Esm2Weights.layer(i, "fc1.bias"), new long[] {f});
            m.put(Esm2Weights.layer(i, "fc2.weight"), new long[] {d, f});
            m.put(Esm2Weights.layer(i, "fc2.bias"), new long[] {d});
            m.put(Esm2Weights.layer(i, "final_layer_norm.weight"), new long[] {d});
            m.put(Esm2Weights.layer(i, "final_layer_norm.bias"), new long[] {d});
        }
        if (withContactHead) {
            m.put(Esm2Weights.CONTACT_WEIGHT, new long[] {1, (long) c.numLayers() * c.attentionHeads()});
            m.put(Esm2Weights.CONTACT_BIAS, new long[] {1});
        }
        m.put(Esm2Weights.FINAL_LN_WEIGHT, new long[] {d});
        m.put(Esm2Weights.FINAL_LN_BIAS, new long[] {d});
        m.put(Esm2Weights.LM_HEAD_BIAS, new long[] {c.vocabSize()});
        m.put(Esm2Weights.LM_HEAD_DENSE_WEIGHT, new long[] {d, d});
        m.put(Esm2Weights.LM_HEAD_DENSE_BIAS, new long[] {d});
        m.put(Esm2Weights.LM_HEAD_LN_WEIGHT, new long[] {d});
        m.put(Esm2Weights.LM_HEAD_LN_BIAS, new long[] {d});
        return m;
    }

    public Esm2Config config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** The live parameter buffer (layout order); optimizers update it in place. */
    public float[] parameters() {
        return parameters;
    }

    /** The live gradient buffer; backward passes add into it. */
    public float[] gradients() {
        return gradients;
    }

    public void zeroGradients() {
        Arrays.fill(gradients, 0f);
    }

    /** Layer l's rotary inverse frequencies (head_dim / 2), as the checkpoint stores them. */
    public float[] rotaryInvFreq(int layer) {
        return rotaryInvFreq[layer].clone();
    }

    public Optional<LoraConfig> lora() {
        return Optional.ofNullable(lora);
    }

    /** A copy of the named tensor's values. */
    public float[] values(String name) {
        ParameterEntry e = layout.entry(name);
        return Arrays.copyOfRange(parameters, e.offset(), e.end());
    }

    /** Overwrites the named tensor. */
    public void setValues(String name, float[] values) {
        ParameterEntry e = layout.entry(name);
        if (values.length != e.length()) {
            throw new IllegalArgumentException("'" + name + "' has " + e.length() + " values, got " + values.length);
        }
        System.arraycopy(values, 0, parameters, e.offset(), values.length);
    }

    /** A copy of the named tensor's gradient. */
    public float[] gradient(String name) {
        ParameterEntry e = layout.entry(name);
        return Arrays.copyOfRange(gradients, e.offset(), e.end());
    }

    /**
     * The backbone's current values as {@link Esm2Weights} (fair-esm names, rotary buffers included), for inference
     * or saving; after {@link #mergeLora} this is the merged model. Adapters and head tensors are not included.
     */
    public Esm2Weights toWeights() {
        return weightsFrom(parameters);
    }

    /**
     * The backbone with the LoRA adapters folded in ({@code W + scaling B A}), computed on a copy: the model itself
     * keeps training with its adapters. For saving the fine-tuned model as plain ESM-2 weights; equals
     * {@link #toWeights} after {@link #mergeLora}, and {@link #toWeights} for a model without adapters.
     */
    public Esm2Weights mergedWeights() {
        if (lora == null || loraMerged) {
            return toWeights();
        }
        float[] merged = parameters.clone();
        addAdapterProducts(merged, 1f);
        return weightsFrom(merged);
    }

    private Esm2Weights weightsFrom(float[] buffer) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        boolean contact = layout.contains(Esm2Weights.CONTACT_WEIGHT);
        for (Map.Entry<String, long[]> e : backboneShapes(config, contact).entrySet()) {
            ParameterEntry entry = layout.entry(e.getKey());
            tensors.put(e.getKey(), Tensor.ofFloats(Arrays.copyOfRange(buffer, entry.offset(), entry.end()),
                    e.getValue()));
        }
        for (int l = 0; l < rotaryInvFreq.length; l++) {
            tensors.put(Esm2Weights.layer(l, "self_attn.rot_emb.inv_freq"),
                    Tensor.ofFloats(rotaryInvFreq[l].clone(), rotaryInvFreq[l].length));
        }
        return new Esm2Weights(config, tensors);
    }

    /** Whether {@link #mergeLora} has folded the adapters into the base weights. */
    public boolean loraMerged() {
        return loraMerged;
    }

    /**
     * Folds every adapter into its base weight, {@code W += scaling B A}, for export or inference without
     * adapters; a trainer refuses to run a merged model (the adapters would count twice) until {@link #unmergeLora}.
     */
    public void mergeLora() {
        requireLora(false);
        addAdapterProducts(parameters, 1f);
        loraMerged = true;
    }

    /** Undoes {@link #mergeLora}: {@code W -= scaling B A} (equal to the original up to float rounding). */
    public void unmergeLora() {
        requireLora(true);
        addAdapterProducts(parameters, -1f);
        loraMerged = false;
    }

    private void requireLora(boolean merged) {
        if (lora == null) {
            throw new IllegalStateException("the model has no LoRA adapters");
        }
        if (loraMerged != merged) {
            throw new IllegalStateException(merged ? "LoRA adapters are not merged" : "LoRA adapters already merged");
        }
    }

    /** {@code W += sign * scaling * B A} in {@code buffer} (laid out as the parameters) for every adapter. */
    private void addAdapterProducts(float[] buffer, float sign) {
        int r = lora.rank();
        float scale = sign * lora.scaling();
        for (int l = 0; l < config.numLayers(); l++) {
            for (LoraTarget t : lora.targets()) {
                ParameterEntry w = layout.entry(t.baseWeight(l));
                ParameterEntry a = layout.entry(t.adapterA(l));
                ParameterEntry b = layout.entry(t.adapterB(l));
                int out = (int) w.shape()[0];
                int in = (int) w.shape()[1];
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double ba = 0;
                        for (int k = 0; k < r; k++) {
                            ba += (double) buffer[b.offset() + o * r + k] * buffer[a.offset() + k * in + i];
                        }
                        buffer[w.offset() + o * in + i] += (float) (scale * ba);
                    }
                }
            }
        }
    }

    /** Chooses adapters and extra (head) tensors, then copies the weights into the flat buffer. */
    public static final class Builder {
        private final Esm2Weights weights;
        private LoraConfig lora;
        private long loraSeed;
        private final List<Consumer<ParameterLayout.Builder>> extensions = new ArrayList<>();
        private Predicate<String> frozen = name -> false;

        private Builder(Esm2Weights weights) {
            this.weights = weights;
        }

        /**
         * LoRA adapters on {@code config.targets()} in every layer, initialised as PEFT does: A Kaiming-uniform
         * (a = sqrt 5, i.e. uniform in +-1/sqrt(in)) from {@code seed}, B zero; the backbone becomes frozen.
         */
        public Builder lora(LoraConfig config, long seed) {
            this.lora = config;
            this.loraSeed = seed;
            return this;
        }

        /**
         * Further tensors after the backbone and adapters, added by {@code declare} (a head's
         * {@code declare(ParameterLayout.Builder)}, say); they start at zero.
         */
        public Builder extend(Consumer<ParameterLayout.Builder> declare) {
            extensions.add(declare);
            return this;
        }

        /**
         * Freezes every entry whose name matches (the optim package's Freezing has the usual choices); may be called
         * several times, each adding to what is frozen. Frozen entries get no gradient and no optimizer update.
         */
        public Builder freeze(Predicate<String> names) {
            frozen = frozen.or(names);
            return this;
        }

        public TrainableModel build() {
            Esm2Config c = weights.config();
            ParameterLayout.Builder b = ParameterLayout.builder();
            for (Map.Entry<String, long[]> e : backboneShapes(c, weights.hasContactHead()).entrySet()) {
                boolean contact = e.getKey().startsWith("contact_head.");
                b.add(e.getKey(), e.getValue(), lora == null && !contact);
            }
            if (lora != null) {
                for (int l = 0; l < c.numLayers(); l++) {
                    for (LoraTarget t : lora.targets()) {
                        long[] base = backboneShapes(c, false).get(t.baseWeight(l));
                        b.add(t.adapterA(l), new long[] {lora.rank(), base[1]}, true);
                        b.add(t.adapterB(l), new long[] {base[0], lora.rank()}, true);
                    }
                }
            }
            for (Consumer<ParameterLayout.Builder> declare : extensions) {
                declare.accept(b);
            }
            float[][] invFreq = new float[c.numLayers()][];
            for (int l = 0; l < invFreq.length; l++) {
                invFreq[l] = weights.floats(Esm2Weights.layer(l, "self_attn.rot_emb.inv_freq"));
            }
            ParameterLayout declared = b.build();
            ParameterLayout layout = declared.withTrainable(
                    name -> declared.entry(name).trainable() && !frozen.test(name));
            TrainableModel m = new TrainableModel(c, layout, invFreq, lora);
            for (String name : backboneShapes(c, weights.hasContactHead()).keySet()) {
                m.setValues(name, weights.floats(name));
            }
            if (lora != null) {
                SplittableRandom random = new SplittableRandom(loraSeed);
                for (int l = 0; l < c.numLayers(); l++) {
                    for (LoraTarget t : lora.targets()) {
                        ParameterEntry a = m.layout.entry(t.adapterA(l));
                        double bound = 1 / Math.sqrt(a.shape()[1]);
                        for (int i = a.offset(), end = a.end(); i < end; i++) {
                            m.parameters[i] = (float) random.nextDouble(-bound, bound);
                        }
                    }
                }
            }
            return m;
        }
    }
}
