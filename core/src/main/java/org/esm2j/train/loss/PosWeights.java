package org.esm2j.train.loss;

/**
 * The {@code pos_weight} of {@link BceWithLogitsLoss} from a training label matrix: per class the ratio of negatives
 * to positives, optionally its square root (a milder correction for rare terms), and clipped to a maximum so a term
 * seen once does not dominate. A class without positives gets the maximum.
 */
public final class PosWeights {
    /** How the negative/positive ratio becomes a weight. */
    public enum Scaling {
        /** {@code neg / pos}. */
        RATIO,
        /** {@code sqrt(neg / pos)}. */
        SQRT
    }

    private PosWeights() {
    }

    /**
     * @param labels (rows, classes) row-major, 0 or 1
     * @param maxWeight upper clip, e.g. 100; must be finite and &gt; 0
     * @return one weight per class
     */
    public static float[] fromLabels(float[] labels, int rows, int classes, Scaling scaling, double maxWeight) {
        LossArguments.requirePositive("rows", rows);
        LossArguments.requirePositive("classes", classes);
        LossArguments.requireLength("labels", labels.length, (long) rows * classes);
        if (!(maxWeight > 0) || Double.isInfinite(maxWeight)) {
            throw new IllegalArgumentException("max pos_weight must be finite and > 0: " + maxWeight);
        }
        long[] positives = new long[classes];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < classes; c++) {
                float y = labels[r * classes + c];
                if (y != 0 && y != 1) {
                    throw new IllegalArgumentException("label at row " + r + ", class " + c + " is " + y
                            + ", expected 0 or 1");
                }
                if (y == 1) {
                    positives[c]++;
                }
            }
        }
        float[] out = new float[classes];
        for (int c = 0; c < classes; c++) {
            double ratio = positives[c] == 0 ? Double.POSITIVE_INFINITY : (double) (rows - positives[c]) / positives[c];
            double w = scaling == Scaling.SQRT ? Math.sqrt(ratio) : ratio;
            out[c] = (float) Math.min(w, maxWeight);
        }
        return out;
    }
}
