package org.esm2j.model;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import org.esm2j.InvalidInputException;

/**
 * Which outputs a forward pass should produce. Attention maps and contacts cost O(L H T^2) memory, so they are only
 * kept when asked for.
 *
 * @param representationLayers layers in 0..L whose hidden states to return (0 = scaled embeddings, L = after the final
 *     LayerNorm)
 * @param logits whether to compute the LM head
 * @param attentions whether to return attention probabilities (L, H, T, T) per sequence
 * @param contacts whether to run the contact head (needs the regression weights)
 * @param logProbabilities whether to return the log-softmax of the logits over the vocabulary (what variant scores
 *     are made of; a backend may compute them where the logits are, so only they need to travel)
 */
public record ForwardRequest(SortedSet<Integer> representationLayers, boolean logits, boolean attentions,
        boolean contacts, boolean logProbabilities) {

    public ForwardRequest {
        representationLayers = Collections.unmodifiableSortedSet(new TreeSet<>(representationLayers));
    }

    /** A request without log-probabilities. */
    public ForwardRequest(SortedSet<Integer> representationLayers, boolean logits, boolean attentions,
            boolean contacts) {
        this(representationLayers, logits, attentions, contacts, false);
    }

    /**
     * Names the outputs instead of listing booleans by position, e.g.
     * {@code ForwardRequest.builder().representations(List.of(6)).contacts(true).build()}.
     */
    public static Builder builder() {
        return new Builder();
    }

    public static ForwardRequest logitsOnly() {
        return new ForwardRequest(new TreeSet<>(), true, false, false, false);
    }

    public static ForwardRequest logProbabilitiesOnly() {
        return new ForwardRequest(new TreeSet<>(), false, false, false, true);
    }

    /** Whether the LM head has to run: for logits, log-probabilities or both. */
    public boolean lmHead() {
        return logits || logProbabilities;
    }

    /**
     * Maps layer indices as fair-esm's extract.py does: negative i means {@code (i + L + 1) % (L + 1)}, so -1 is the
     * last layer; anything outside {@code -(L+1)..L} is an error naming the index.
     */
    public static SortedSet<Integer> resolveLayers(Iterable<Integer> layers, int numLayers) {
        SortedSet<Integer> out = new TreeSet<>();
        for (int i : layers) {
            if (i < -(numLayers + 1) || i > numLayers) {
                throw new InvalidInputException("representation layer " + i + " is out of range for a model with "
                        + numLayers + " layers (allowed " + -(numLayers + 1) + ".." + numLayers + ")");
            }
            out.add((i + numLayers + 1) % (numLayers + 1));
        }
        return out;
    }

    public ForwardRequest withRepresentations(Iterable<Integer> layers) {
        return new ForwardRequest(toSet(layers), logits, attentions, contacts, logProbabilities);
    }

    private static SortedSet<Integer> toSet(Iterable<Integer> layers) {
        SortedSet<Integer> s = new TreeSet<>();
        layers.forEach(s::add);
        return s;
    }

    /** Builds a {@link ForwardRequest}; everything is off until asked for. */
    public static final class Builder {
        private final SortedSet<Integer> representationLayers = new TreeSet<>();
        private boolean logits;
        private boolean attentions;
        private boolean contacts;
        private boolean logProbabilities;

        private Builder() {
        }

        /** Adds layers in 0..L; for fair-esm's negative indices see {@link ForwardRequest#resolveLayers}. */
        public Builder representations(Iterable<Integer> layers) {
            layers.forEach(representationLayers::add);
            return this;
        }

        public Builder logits(boolean wanted) {
            logits = wanted;
            return this;
        }

        public Builder attentions(boolean wanted) {
            attentions = wanted;
            return this;
        }

        public Builder contacts(boolean wanted) {
            contacts = wanted;
            return this;
        }

        public Builder logProbabilities(boolean wanted) {
            logProbabilities = wanted;
            return this;
        }

        public ForwardRequest build() {
            return new ForwardRequest(representationLayers, logits, attentions, contacts, logProbabilities);
        }
    }
}
