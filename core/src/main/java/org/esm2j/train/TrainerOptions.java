package org.esm2j.train;

/**
 * How a trainer runs a step; none of these change the gradients except through the seed.
 *
 * @param recomputeLayers keep only each layer's input in the forward pass and recompute the layer just before its
 *     backward pass (L times less activation memory for about one more forward pass; bit-identical gradients)
 * @param seed seeds the LoRA dropout masks (step k of a run draws the same masks on every run)
 */
public record TrainerOptions(boolean recomputeLayers, long seed) {
    public static TrainerOptions defaults() {
        return new TrainerOptions(false, 0);
    }
}
