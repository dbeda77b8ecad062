package org.esm2j.train.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.train.ParameterLayout;

/**
 * {@code torch.optim.AdamW} (Loshchilov and Hutter): decoupled weight decay on the parameter, then Adam with bias
 * correction. At step {@code t = 1, 2, ...}, for every element of every grouped entry:
 *
 * <pre>
 * p *= 1 - lr * wd
 * m  = b1 m + (1 - b1) g
 * v  = b2 v + (1 - b2) g^2
 * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * The scalars are formed in double and rounded to float once, and the element operations run in float32 in the order
 * above, as PyTorch's single-tensor CPU implementation does, so a float32 step lands within a few ulps of PyTorch's.
 * {@code b1} is per group ({@link #momentum}) because one-cycle schedules cycle it.
 */
public final class AdamW extends GroupedOptimizer {
    /** Checkpoint names of the first and second moment buffers, as in PyTorch's optimizer state. */
    public static final String EXP_AVG = "exp_avg";
    public static final String EXP_AVG_SQ = "exp_avg_sq";

    private final double beta2;
    private final double eps;
    private final float[] m;
    private final float[] v;
    private final AdamWElements elements = AdamWElements.preferred();

    /**
     * @param layout the parameter layout; the moment buffers hold the grouped entries' elements only
     * @param groups learning rate and weight decay per set of entries ({@link ParameterGroups})
     * @param beta1 first-moment decay (torch default 0.9)
     * @param beta2 second-moment decay (torch default 0.999)
     * @param eps added to the bias-corrected root of the second moment (torch default 1e-8)
     */
    public AdamW(ParameterLayout layout, List<ParameterGroup> groups, double beta1, double beta2, double eps) {
        super(layout, groups, beta1);
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1): " + beta2);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be finite and >= 0: " + eps);
        }
        this.beta2 = beta2;
        this.eps = eps;
        this.m = new float[stateSize()];
        this.v = new float[stateSize()];
    }

    /** Torch's defaults (betas 0.9, 0.999; eps 1e-8) over the given groups. */
    public AdamW(ParameterLayout layout, List<ParameterGroup> groups) {
        this(layout, groups, 0.9, 0.999, 1e-8);
    }

    @Override
    void update(int group, int from, int to, int stateFrom, float[] params, float[] grads, long step) {
        double lr = learningRate(group);
        double beta1 = momentum(group);
        AdamWCoefficients k = new AdamWCoefficients((float) (1 - lr * weightDecay(group)), (float) beta1,
                (float) (1 - beta1), (float) beta2, (float) (1 - beta2),
                (float) Math.sqrt(1 - Math.pow(beta2, step)), (float) eps,
                (float) (lr / (1 - Math.pow(beta1, step))));
        elements.update(params, grads, from, to, m, v, stateFrom - from, k);
    }

    @Override
    Map<String, float[]> stateBuffers() {
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put(EXP_AVG, m);
        out.put(EXP_AVG_SQ, v);
        return out;
    }
}
