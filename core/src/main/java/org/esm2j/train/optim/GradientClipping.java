package org.esm2j.train.optim;

import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_(params, max_norm)} with the 2-norm: the norm
 * is taken over the gradients of all trainable entries together and, when {@code max_norm / (norm + 1e-6) < 1}, every
 * one of those gradients is multiplied by that coefficient. Frozen entries have no gradient in PyTorch's sense, so
 * they are neither counted nor scaled.
 */
public final class GradientClipping {
    /** Torch's guard against division by zero in the clipping coefficient. */
    public static final double NORM_EPS = 1e-6;

    private GradientClipping() {
    }

    /** The 2-norm over the gradients of all trainable entries, accumulated in double. */
    public static double globalNorm(ParameterLayout layout, float[] grads) {
        requireBuffer(layout, grads);
        double sumSquares = 0;
        for (ParameterEntry e : layout.trainable()) {
            for (int i = e.offset(); i < e.end(); i++) {
                double g = grads[i];
                sumSquares += g * g;
            }
        }
        return Math.sqrt(sumSquares);
    }

    /**
     * Clips in place and returns the norm before clipping (what PyTorch returns and what training logs show). A NaN
     * norm leaves the gradients as they are (PyTorch would multiply them by NaN); the caller checks the returned value
     * to stop a diverged run.
     */
    public static double clipGlobalNorm(ParameterLayout layout, float[] grads, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max norm must be > 0: " + maxNorm);
        }
        double total = globalNorm(layout, grads);
        double coef = maxNorm / (total + NORM_EPS);
        if (coef < 1) {
            float c = (float) coef;
            for (ParameterEntry e : layout.trainable()) {
                for (int i = e.offset(); i < e.end(); i++) {
                    grads[i] *= c;
                }
            }
        }
        return total;
    }

    private static void requireBuffer(ParameterLayout layout, float[] grads) {
        if (grads.length != layout.size()) {
            throw new IllegalArgumentException("grads has " + grads.length + " elements but the layout has "
                    + layout.size());
        }
    }
}
