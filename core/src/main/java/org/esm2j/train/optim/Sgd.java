package org.esm2j.train.optim;

import java.util.Map;
import org.esm2j.train.ParameterLayout;

/**
 * {@code torch.optim.SGD} with momentum, dampening, Nesterov and L2 weight decay. For every element of every grouped
 * entry:
 *
 * <pre>
 * d = g + wd p                                   (L2 decay, added to the gradient)
 * buf = d on the first step, else momentum buf + (1 - dampening) d
 * d = d + momentum buf   (Nesterov)   or   d = buf   (plain momentum)
 * p -= lr d
 * </pre>
 *
 * With momentum 0 there is no buffer and {@code d} is used directly.
 */
public final class Sgd extends GroupedOptimizer {
    /** Checkpoint name of the momentum buffer, as in PyTorch's optimizer state. */
    public static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double dampening;
    private final boolean nesterov;
    private final float[] buffer;

    /**
     * @param momentum momentum factor (0 for plain SGD)
     * @param dampening dampening of the gradient in the momentum buffer (torch default 0)
     * @param nesterov Nesterov momentum; needs momentum &gt; 0 and dampening 0, as in torch
     */
    public Sgd(ParameterLayout layout, java.util.List<ParameterGroup> groups, double momentum, double dampening,
            boolean nesterov) {
        super(layout, groups, momentum);
        if (!(dampening >= 0 && dampening <= 1)) {
            throw new IllegalArgumentException("dampening must be in [0, 1]: " + dampening);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening");
        }
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.buffer = new float[stateSize()];
    }

    @Override
    void update(int group, int from, int to, int stateFrom, float[] params, float[] grads, long step) {
        double momentumD = momentum(group);
        float lr = (float) learningRate(group);
        float wd = (float) weightDecay(group);
        float mom = (float) momentumD;
        float keep = (float) (1 - dampening);
        boolean first = step == 1;
        for (int i = from, s = stateFrom; i < to; i++, s++) {
            float d = grads[i];
            if (wd != 0) {
                d = d + wd * params[i];
            }
            if (momentumD != 0) {
                float buf = first ? d : buffer[s] * mom + keep * d;
                buffer[s] = buf;
                d = nesterov ? d + mom * buf : buf;
            }
            params[i] = params[i] - lr * d;
        }
    }

    @Override
    Map<String, float[]> stateBuffers() {
        return Map.of(MOMENTUM_BUFFER, buffer);
    }
}
