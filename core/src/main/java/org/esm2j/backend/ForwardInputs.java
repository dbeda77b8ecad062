package org.esm2j.backend;

import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;

/** The checks every backend makes on a forward pass's inputs, so that all backends refuse the same things alike. */
public final class ForwardInputs {
    private ForwardInputs() {
    }

    /** Sequence b must be non-empty, unpadded token ids of the vocabulary; contacts need cls and eos around it. */
    public static void checkSequence(int[] seq, int b, Esm2Config config, boolean contacts) {
        if (seq == null || seq.length == 0) {
            throw new IllegalArgumentException("sequence " + b + " has no tokens");
        }
        if (contacts && seq.length < 2) {
            throw new IllegalArgumentException("sequence " + b + " has " + seq.length
                    + " token(s); contacts need <cls> and <eos> around the residues");
        }
        for (int p = 0; p < seq.length; p++) {
            int id = seq[p];
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("sequence " + b + " position " + p + ": token id " + id
                        + " is outside the vocabulary 0.." + (config.vocabSize() - 1));
            }
            if (id == Alphabet.PAD) {
                throw new InvalidInputException("sequence " + b + " position " + p
                        + ": <pad> token; pass each sequence unpadded");
            }
        }
    }

    /** Requested layers must lie in 0..L, and contacts need the regression weights. */
    public static void checkRequest(ForwardRequest request, Esm2Config config, boolean hasContactHead) {
        for (int l : request.representationLayers()) {
            if (l < 0 || l > config.numLayers()) {
                throw new IllegalArgumentException("representation layer " + l + " is outside 0.." + config.numLayers());
            }
        }
        if (request.contacts() && !hasContactHead) {
            throw new InvalidInputException("contacts were requested but this model has no contact-regression "
                    + "weights (" + Esm2Weights.CONTACT_WEIGHT + "); load the -contact-regression.pt file beside the "
                    + "checkpoint");
        }
    }
}
