package org.esm2j.backend;

import java.util.List;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/** An ESM-2 model ready to run: weights loaded into a backend. The entry point for library users. */
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

    /** See {@link Esm2Runtime#forward}. */
    public ForwardResult forward(List<int[]> tokens, ForwardRequest request) {
        return runtime.forward(tokens, request);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
