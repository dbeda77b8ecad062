package org.esm2j.cpu;

import org.esm2j.model.Esm2Weights;

/**
 * A model's contact head with its regression weights, shared by every backend: each produces attention probabilities
 * its own way and turns them into contacts with exactly the CPU reference's arithmetic (see {@link ContactHead}).
 */
public final class ContactPrediction {
    private final int channels; // L * H
    private final float[] weight; // (L * H)
    private final float bias;

    private ContactPrediction(int channels, float[] weight, float bias) {
        this.channels = channels;
        this.weight = weight;
        this.bias = bias;
    }

    /** The contact head of these weights, or null when they carry no contact-regression tensors. */
    public static ContactPrediction of(Esm2Weights w) {
        if (!w.hasContactHead()) {
            return null;
        }
        int channels = w.config().numLayers() * w.config().attentionHeads();
        return new ContactPrediction(channels, w.floats(Esm2Weights.CONTACT_WEIGHT),
                w.floats(Esm2Weights.CONTACT_BIAS)[0]);
    }

    /**
     * @param probs attention probabilities (L, H, T, T) [query][key] of one sequence
     * @param tokens the sequence's T tokens
     * @return contact probabilities (T-2, T-2)
     */
    public float[] predict(float[] probs, int[] tokens) {
        return ContactHead.predict(probs, tokens, channels, weight, bias);
    }
}
