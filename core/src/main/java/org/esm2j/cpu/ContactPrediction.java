package org.esm2j.cpu;

/**
 * The contact head for backends outside this package: they produce attention probabilities their own way and turn
 * them into contacts with exactly the CPU reference's arithmetic (see {@link ContactHead}).
 */
public final class ContactPrediction {
    private ContactPrediction() {
    }

    /**
     * @param probs attention probabilities (L, H, T, T) [query][key] of one sequence
     * @param tokens the sequence's T tokens
     * @param channels L * H
     * @param weight regression weight (L*H)
     * @param bias regression bias
     * @return contact probabilities (T-2, T-2)
     */
    public static float[] predict(float[] probs, int[] tokens, int channels, float[] weight, float bias) {
        return ContactHead.predict(probs, tokens, channels, weight, bias);
    }
}
