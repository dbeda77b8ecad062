package org.esm2j.train.optim;

import java.util.List;
import java.util.Map;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.ParameterLayout;

/**
 * An optimizer over the flat parameter and gradient buffers of a {@link ParameterLayout}, with PyTorch's semantics.
 * Only entries in a group are updated; frozen entries are neither decayed nor given state.
 */
public interface Optimizer {
    ParameterLayout layout();

    /** The groups as configured (their {@code lr} is the base learning rate that schedules scale). */
    List<ParameterGroup> groups();

    /** The learning rate the next step uses for group {@code group}. */
    double learningRate(int group);

    /** Sets the learning rate the next steps use for group {@code group} (what schedules call). */
    void setLearningRate(int group, double lr);

    /** The momentum-like coefficient: beta1 for Adam-type optimizers, momentum for SGD (one-cycle cycles it). */
    double momentum(int group);

    void setMomentum(int group, double momentum);

    /** One update of {@code params} in place from {@code grads}; both hold {@code layout().size()} elements. */
    void step(float[] params, float[] grads);

    /** Number of steps taken so far. */
    long steps();

    /**
     * Everything needed to resume bit for bit, as named tensors ready for a safetensors checkpoint: the step count,
     * the per-group learning rates and momenta (F64) and the state buffers (F32, one element per element of the
     * grouped entries, in group order: frozen entries have no state).
     */
    Map<String, Tensor> exportState();

    /** Restores what {@link #exportState} wrote; the layout and groups must be the same. */
    void importState(Map<String, Tensor> state);
}
