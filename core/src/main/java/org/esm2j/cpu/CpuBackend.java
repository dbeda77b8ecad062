package org.esm2j.cpu;

import java.util.Optional;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.model.Esm2Weights;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;

/** The float32 reference backend: pure Java, always available, lowest priority under auto. */
public final class CpuBackend implements Backend {
    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Esm2Runtime load(Esm2Weights weights) {
        return new CpuRuntime(weights);
    }

    @Override
    public Esm2Trainer trainer(TrainableModel model, TrainerOptions options) {
        return new CpuTrainer(model, options);
    }
}
