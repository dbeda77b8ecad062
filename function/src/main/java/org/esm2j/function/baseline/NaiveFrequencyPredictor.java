package org.esm2j.function.baseline;

import org.esm2j.InvalidInputException;

/**
 * CAFA's naive baseline: every protein gets the same scores, score(term) = the fraction of training proteins annotated
 * with the term. It ranks terms by prior frequency alone, which is what a predictor has to beat to show that it uses
 * the sequence at all.
 */
public final class NaiveFrequencyPredictor {
    private final float[] frequencies;

    private NaiveFrequencyPredictor(float[] frequencies) {
        this.frequencies = frequencies;
    }

    /** @param labels {@code labels[i][t]}: training protein i has term t */
    public static NaiveFrequencyPredictor fit(boolean[][] labels) {
        if (labels.length == 0) {
            throw new InvalidInputException("the training set is empty");
        }
        int terms = labels[0].length;
        float[] f = new float[terms];
        for (boolean[] row : labels) {
            if (row.length != terms) {
                throw new InvalidInputException("label rows differ in length: " + row.length + " and " + terms);
            }
            for (int t = 0; t < terms; t++) {
                if (row[t]) {
                    f[t]++;
                }
            }
        }
        for (int t = 0; t < terms; t++) {
            f[t] /= labels.length;
        }
        return new NaiveFrequencyPredictor(f);
    }

    /** The score of each term (the same for every protein); a fresh copy. */
    public float[] frequencies() {
        return frequencies.clone();
    }

    /** Scores for {@code proteins} proteins: each row a copy of {@link #frequencies()}. */
    public float[][] predict(int proteins) {
        float[][] out = new float[proteins][];
        for (int i = 0; i < proteins; i++) {
            out[i] = frequencies.clone();
        }
        return out;
    }
}
