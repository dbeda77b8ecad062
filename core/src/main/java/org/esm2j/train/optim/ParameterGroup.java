package org.esm2j.train.optim;

import java.util.List;

/**
 * A set of layout entries that share a learning rate and a weight decay, as one {@code param_groups} element of a
 * PyTorch optimizer. Schedules scale {@link #lr()} (the group's base learning rate) by a factor; the optimizer keeps
 * the current value.
 *
 * @param name short description used in logs and checkpoints (e.g. {@code decay}, {@code no_decay}, {@code layer_3})
 * @param entries names of the layout entries in this group, in layout order
 * @param lr base learning rate
 * @param weightDecay weight decay: decoupled for AdamW, L2 added to the gradient for SGD
 */
public record ParameterGroup(String name, List<String> entries, double lr, double weightDecay) {
    public ParameterGroup {
        entries = List.copyOf(entries);
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate of group '" + name + "' must be finite and >= 0: " + lr);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException(
                    "weight decay of group '" + name + "' must be finite and >= 0: " + weightDecay);
        }
    }
}
