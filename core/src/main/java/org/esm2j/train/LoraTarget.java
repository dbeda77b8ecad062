package org.esm2j.train;

import org.esm2j.model.Esm2Weights;

/**
 * A projection of an ESM-2 layer that LoRA can adapt, named by its fair-esm module path inside the layer and by the
 * path of the same module inside a Hugging Face {@code EsmLayer} (the names PEFT's keys and target modules use).
 */
public enum LoraTarget {
    Q("self_attn.q_proj", "attention.self.query"),
    K("self_attn.k_proj", "attention.self.key"),
    V("self_attn.v_proj", "attention.self.value"),
    O("self_attn.out_proj", "attention.output.dense"),
    FC1("fc1", "intermediate.dense"),
    FC2("fc2", "output.dense");

    private final String module;
    private final String huggingFaceModule;

    LoraTarget(String module, String huggingFaceModule) {
        this.module = module;
        this.huggingFaceModule = huggingFaceModule;
    }

    /** The module path inside a layer, e.g. {@code self_attn.q_proj}. */
    public String module() {
        return module;
    }

    /** The module path inside a Hugging Face {@code EsmLayer}, e.g. {@code attention.self.query}. */
    public String huggingFaceModule() {
        return huggingFaceModule;
    }

    /** {@code layers.{layer}.{module}.weight}: the base weight this adapter adds to. */
    public String baseWeight(int layer) {
        return Esm2Weights.layer(layer, module + ".weight");
    }

    /** {@code layers.{layer}.{module}.lora_A}: the (r, in) down-projection. */
    public String adapterA(int layer) {
        return Esm2Weights.layer(layer, module + ".lora_A");
    }

    /** {@code layers.{layer}.{module}.lora_B}: the (out, r) up-projection. */
    public String adapterB(int layer) {
        return Esm2Weights.layer(layer, module + ".lora_B");
    }
}
