package org.esm2j.backend;

import java.util.List;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * An ESM-2 model ready to run: weights loaded into a backend. The low-level entry point, for callers who tokenize and
 * batch themselves; the {@code org.esm2j.api.Esm2} facade (module esm2j-api) does both for sequence strings.
 */
public final class Esm2Model implements AutoCloseable {
    private final Esm2Runtime runtime;
    private final String backendName;
    private final boolean hasContactHead;

    private Esm2Model(Esm2Runtime runtime, String backendName, boolean hasContactHead) {
        this.runtime = runtime;
        this.backendName = backendName;
        this.hasContactHead = hasContactHead;
    }

    /** Loads into the backend chosen by {@code -Desm2j.backend} (default auto). */
    public static Esm2Model load(Esm2Weights weights) {
        return load(weights, Backends.select());
    }

    public static Esm2Model load(Esm2Weights weights, Backend backend) {
        return new Esm2Model(backend.load(weights), backend.name(), weights.hasContactHead());
    }

    public Esm2Config config() {
        return runtime.config();
    }

    public String backendName() {
        return backendName;
    }

    public boolean hasContactHead() {
        return hasContactHead;
    }

    /**
     * See {@link Esm2Runtime#forward}. Each sequence must be framed ({@code <cls>} first, {@code <eos>} last, as
     * {@link Alphabet#frame} makes it): the model was trained on framed input only, and an unframed sequence would run
     * silently with wrong results.
     */
    public ForwardResult forward(List<int[]> tokens, ForwardRequest request) {
        for (int b = 0; b < tokens.size(); b++) {
            int[] seq = tokens.get(b);
            if (seq == null || seq.length < 2 || seq[0] != Alphabet.CLS || seq[seq.length - 1] != Alphabet.EOS) {
                throw new IllegalArgumentException("sequence " + b + " is not framed: it must start with <cls> ("
                        + Alphabet.CLS + ") and end with <eos> (" + Alphabet.EOS + "), got "
                        + (seq == null ? "null" : seq.length < 2 ? seq.length + " token(s)"
                        : "first " + seq[0] + ", last " + seq[seq.length - 1])
                        + "; wrap residue tokens with Alphabet.frame");
            }
        }
        return runtime.forward(tokens, request);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
