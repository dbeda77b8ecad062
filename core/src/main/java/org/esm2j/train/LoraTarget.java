package org.esm2j.train;

import org.esm2j.model.Esm2Weights;

/** A projection of an ESM-2 layer that LoRA can adapt, named by its fair-esm module path inside the layer. */
public enum LoraTarget {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.out_proj"),
    FC1("fc1"),
    FC2("fc2");

    private final String module;

    LoraTarget(String module) {
        this.module = module;
    }

    /** The module path inside a layer, e.g. {@code self_attn.q_proj}. */
    public String module() {
        return module;
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
