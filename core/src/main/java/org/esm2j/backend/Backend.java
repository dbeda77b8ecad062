package org.esm2j.backend;

import java.util.Optional;
import org.esm2j.model.Esm2Weights;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;

/**
 * A compute backend, found through {@link java.util.ServiceLoader}. The CPU backend ships in core; the CUDA backend
 * comes with the bindings module. A backend turns canonical weights into a runtime that holds them in its own memory
 * (Java arrays, device memory) and runs whole forward passes, so it is free to fuse and batch as it likes.
 */
public interface Backend {
    /** Short name used by {@code -Desm2j.backend=NAME}, e.g. "cpu" or "cuda". */
    String name();

    /** Empty when usable on this machine; otherwise why not (shown to the user when they asked for it). */
    Optional<String> unavailableReason();

    /** Higher wins under {@code auto}. */
    int priority();

    Esm2Runtime load(Esm2Weights weights);

    /**
     * A trainer over the model's flat parameter and gradient buffers (see docs/TRAINING.md); backends that cannot
     * train keep this default.
     *
     * @throws UnsupportedOperationException when this backend has no training support
     */
    default Esm2Trainer trainer(TrainableModel model, TrainerOptions options) {
        throw new UnsupportedOperationException("the " + name() + " backend cannot train models");
    }
}
