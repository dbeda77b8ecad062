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

    /**
     * The 2-norm over the gradients of all trainable entries, accumulated in double. Four interleaved partial sums
     * (element i goes to sum i mod 4 of its entry) break the chain of dependent additions, which made one sum the
     * slowest pass of an optimizer step; the order is fixed, so the result is reproducible.
     */
    public static double globalNorm(ParameterLayout layout, float[] grads) {
        requireBuffer(layout, grads);
        double total = 0;
        for (ParameterEntry e : layout.trainable()) {
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int i = e.offset();
            int end = e.end(); // a product over the shape: out of the loop conditions
            for (; i + 3 < end; i += 4) {
                double g0 = grads[i];
                double g1 = grads[i + 1];
                double g2 = grads[i + 2];
                double g3 = grads[i + 3];
                s0 += g0 * g0;
                s1 += g1 * g1;
                s2 += g2 * g2;
                s3 += g3 * g3;
            }
            for (; i < end; i++) {
                double g = grads[i];
                s0 += g * g;
            }
            total += (s0 + s1) + (s2 + s3);
        }
        return Math.sqrt(total);
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
                for (int i = e.offset(), end = e.end(); i < end; i++) {
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
