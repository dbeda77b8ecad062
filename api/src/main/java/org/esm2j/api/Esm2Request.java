package org.esm2j.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;

/**
 * What {@link Esm2#run} computes for each sequence, built by name:
 * {@code Esm2Request.builder().layers(0, -1).logits().contacts().build()}. The default is what {@link Esm2#embed}
 * uses: the last layer's representations (per-residue rows, their mean and the {@code <cls>} row), sequences over
 * 1022 residues refused, unknown residue letters refused.
 */
public final class Esm2Request {
    private final List<Integer> layers;
    private final boolean logits;
    private final boolean contacts;
    private final LengthPolicy lengthPolicy;
    private final UnknownResiduePolicy unknownResidues;

    private Esm2Request(Builder b) {
        this.layers = Collections.unmodifiableList(new ArrayList<>(b.layers));
        this.logits = b.logits;
        this.contacts = b.contacts;
        this.lengthPolicy = b.lengthPolicy;
        this.unknownResidues = b.unknownResidues;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Layer indices as given: 0..L, or negative counting from the end as in fair-esm (-1 = the last layer). */
    public List<Integer> layers() {
        return layers;
    }

    public boolean logits() {
        return logits;
    }

    public boolean contacts() {
        return contacts;
    }

    public LengthPolicy lengthPolicy() {
        return lengthPolicy;
    }

    public UnknownResiduePolicy unknownResidues() {
        return unknownResidues;
    }

    @Override
    public String toString() {
        return "Esm2Request(layers=" + layers + ", logits=" + logits + ", contacts=" + contacts + ", " + lengthPolicy
                + ", unknown residues " + unknownResidues + ")";
    }

    /** Builds an {@link Esm2Request}. */
    public static final class Builder {
        private List<Integer> layers = List.of(-1);
        private boolean logits;
        private boolean contacts;
        private LengthPolicy lengthPolicy = LengthPolicy.defaults();
        private UnknownResiduePolicy unknownResidues = UnknownResiduePolicy.ERROR;

        private Builder() {
        }

        /** The layers whose representations to return (default: -1, the last); none for logits or contacts alone. */
        public Builder layers(int... layers) {
            List<Integer> list = new ArrayList<>(layers.length);
            for (int l : layers) {
                list.add(l);
            }
            this.layers = list;
            return this;
        }

        /** Adds the (n, 33) LM-head logits of the residues. */
        public Builder logits() {
            this.logits = true;
            return this;
        }

        /** Adds the (n, n) contact map (needs a model with contact-regression weights). */
        public Builder contacts() {
            this.contacts = true;
            return this;
        }

        /**
         * How sequences over the model's 1022 residues are handled: refused (default), {@link LengthPolicy#truncate}
         * or {@link LengthPolicy#window} (overlapping windows averaged where they overlap).
         */
        public Builder lengthPolicy(LengthPolicy policy) {
            this.lengthPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** What an unknown letter becomes: an error naming it (default), {@code X} or {@code <unk>}. */
        public Builder unknownResidues(UnknownResiduePolicy policy) {
            this.unknownResidues = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Esm2Request build() {
            return new Esm2Request(this);
        }
    }
}
