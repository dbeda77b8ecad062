package org.esm2j.train.head;

import org.esm2j.train.SeededRandom;

/**
 * Inverted dropout as {@code torch.nn.Dropout(p)}: in training each element is zeroed with probability {@code p} and
 * the rest scaled by {@code 1 / (1 - p)}; in evaluation it is the identity. Masks come from a {@link SeededRandom}, so
 * a run is reproducible from its seed (not bit-equal to PyTorch's generator, which no Java code can be).
 */
public final class Dropout {
    private final double p;
    private final SeededRandom random;
    private boolean training = true;
    private float[] scale;

    /** @param p drop probability in [0, 1) */
    public Dropout(double p, SeededRandom random) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1): " + p);
        }
        if (p > 0 && random == null) {
            throw new IllegalArgumentException("dropout with p > 0 needs a random source");
        }
        this.p = p;
        this.random = random;
    }

    public void setTraining(boolean training) {
        this.training = training;
    }

    /** Active: training with p &gt; 0. */
    public boolean active() {
        return training && p > 0;
    }

    /** The input itself when inactive, else a new masked and scaled copy; the mask is kept for backward. */
    public float[] forward(float[] x) {
        if (!active()) {
            scale = null;
            return x;
        }
        float keep = (float) (1 / (1 - p));
        scale = new float[x.length];
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            scale[i] = random.nextDouble() < p ? 0f : keep;
            y[i] = x[i] * scale[i];
        }
        return y;
    }

    /**
     * Runs {@code backwardOfNext}, which must add d(loss)/d(dropout output) into the array it is given, and adds the
     * resulting d(loss)/d(dropout input) into {@code dx}. When inactive {@code dx} itself is handed on, with no copy.
     */
    public void backward(float[] dx, java.util.function.Consumer<float[]> backwardOfNext) {
        if (scale == null) {
            backwardOfNext.accept(dx);
            return;
        }
        if (dx.length != scale.length) {
            throw new IllegalArgumentException("dropout backward got " + dx.length + " elements, forward had "
                    + scale.length);
        }
        float[] dy = new float[dx.length];
        backwardOfNext.accept(dy);
        for (int i = 0; i < dy.length; i++) {
            dx[i] += dy[i] * scale[i];
        }
    }
}
