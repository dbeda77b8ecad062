package org.esm2j.train.schedule;

import org.esm2j.train.optim.Optimizer;

/**
 * A learning-rate schedule as a factor of the optimizer step: before optimizer step {@code s + 1} (so {@code s = 0}
 * before the first step, as a PyTorch scheduler stepped once per optimizer step) every group's learning rate is its
 * base rate times {@link #factor(long) factor(s)}. Stateless, so resuming at step {@code s} needs only {@code s}.
 */
public interface LrSchedule {
    /** The factor before optimizer step {@code step + 1}; {@code step >= 0}. */
    double factor(long step);

    /** Sets every group's learning rate for the optimizer's next step, {@code optimizer.steps()}. */
    default void apply(Optimizer optimizer) {
        double f = factor(optimizer.steps());
        for (int g = 0; g < optimizer.groups().size(); g++) {
            optimizer.setLearningRate(g, optimizer.groups().get(g).lr() * f);
        }
    }
}
