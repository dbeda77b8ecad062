package org.esm2j.train.run;

import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;

/**
 * What a {@link TrainingRun} optimises: turns examples into model inputs and, after the forward pass, computes the loss
 * and adds its gradient into the representation gradient (and into any head tensors it declared).
 */
public interface TrainingObjective {
    /** The model inputs of a batch and whatever the loss needs besides the representation. */
    interface Prepared {
        List<int[]> inputs();
    }

    /** Adds head tensors to the model's layout (none by default); called once before the model is built. */
    default void declare(ParameterLayout.Builder layout) {
    }

    /** Initialises the declared tensors in the built model's parameters (nothing by default). */
    default void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
    }

    /**
     * Checks one example before training starts, with an {@link InvalidInputException} naming it when the objective
     * cannot use it (labels of the wrong size, say).
     */
    void validate(TrainingExample example);

    /**
     * The inputs of a batch; {@code random} is the run's generator (checkpointed), used e.g. for masking. Validation
     * passes a generator of its own with a fixed seed, so every validation pass sees the same corruption.
     */
    Prepared prepare(List<TrainingExample> batch, SeededRandom random);

    /**
     * The batch's loss after {@code trainer.forward(prepared.inputs())}, its gradient added into
     * {@code representation.gradient()} and the model's gradient buffer.
     */
    double loss(Esm2Trainer trainer, PackedRepresentation representation, Prepared prepared);

    /** How many items the loss averaged over (masked positions, sequences): the weight of the batch in validation. */
    long scored(Prepared prepared);

    /** Switches dropout in heads on (training) or off (validation). */
    default void setTraining(boolean training) {
    }
}
