package org.esm2j.train.run;

import java.util.Map;

/**
 * The scalar part of a training checkpoint, beside the model's parameters and the optimizer's state.
 *
 * @param step optimizer steps done
 * @param position the next micro-batch to train on
 * @param randomState the run's {@link org.esm2j.train.SeededRandom} state (masking, head dropout)
 * @param forwardPasses the trainer's forward-pass count (LoRA dropout masks depend on it)
 * @param earlyStopping the early-stopping state, empty when the run has none
 */
public record CheckpointState(long step, DataPosition position, long randomState, long forwardPasses,
        Map<String, Double> earlyStopping) {
    public CheckpointState {
        earlyStopping = Map.copyOf(earlyStopping);
    }
}
