package org.esm2j.model;

import java.util.Map;

/**
 * Outputs of one forward pass, per sequence and unpadded: for sequence b with {@code T_b} tokens (cls + residues +
 * eos) every array covers exactly its own tokens, row-major.
 */
public final class ForwardResult {
    private final int[] tokenCounts;
    private final float[][] logits; // [b] (T_b, V) or null
    private final float[][] logProbabilities; // [b] (T_b, V) or null
    private final Map<Integer, float[][]> representations; // layer -> [b] (T_b, D)
    private final float[][] attentions; // [b] (L, H, T_b, T_b) or null
    private final float[][] contacts; // [b] (T_b - 2, T_b - 2) or null

    public ForwardResult(int[] tokenCounts, float[][] logits, float[][] logProbabilities,
            Map<Integer, float[][]> representations, float[][] attentions, float[][] contacts) {
        this.tokenCounts = tokenCounts.clone();
        this.logits = logits;
        this.logProbabilities = logProbabilities;
        this.representations = Map.copyOf(representations);
        this.attentions = attentions;
        this.contacts = contacts;
    }

    public int batchSize() {
        return tokenCounts.length;
    }

    /** Tokens of sequence b, including cls and eos. */
    public int tokenCount(int b) {
        return tokenCounts[b];
    }

    /** (T_b, vocab) LM-head logits. */
    public float[] logits(int b) {
        return require(logits, "logits")[b];
    }

    /** (T_b, vocab) log-softmax of the logits over the vocabulary. */
    public float[] logProbabilities(int b) {
        return require(logProbabilities, "log-probabilities")[b];
    }

    /** (T_b, D) hidden states after the given layer (0..L). */
    public float[] representation(int layer, int b) {
        float[][] r = representations.get(layer);
        if (r == null) {
            throw new IllegalArgumentException("representation layer " + layer + " was not requested (have "
                    + representations.keySet() + ")");
        }
        return r[b];
    }

    public boolean hasRepresentation(int layer) {
        return representations.containsKey(layer);
    }

    /** (L, H, T_b, T_b) attention probabilities. */
    public float[] attentions(int b) {
        return require(attentions, "attentions")[b];
    }

    /** (T_b - 2, T_b - 2) contact probabilities over residues. */
    public float[] contacts(int b) {
        return require(contacts, "contacts")[b];
    }

    private static float[][] require(float[][] v, String what) {
        if (v == null) {
            throw new IllegalStateException(what + " were not requested in this forward pass");
        }
        return v;
    }
}
