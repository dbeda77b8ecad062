package org.esm2j.function.probe;

import org.esm2j.InvalidInputException;

/** Small vector helpers shared by the embedding heads. */
final class Vectors {
    private Vectors() {
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** {@code v / |v|}; the zero vector stays zero (its cosine with anything is then 0). */
    static float[] unit(float[] v) {
        double norm = Math.sqrt(dot(v, v));
        float[] u = new float[v.length];
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                u[i] = (float) (v[i] / norm);
            }
        }
        return u;
    }

    static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /** Flattens rows of equal length into one row-major array. */
    static float[] flatten(float[][] rows, int width) {
        float[] flat = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return flat;
    }

    static float[][] rows(float[] flat, int count, int width) {
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return rows;
    }

    /** Checks that training embeddings and labels agree in count and that every embedding has the same width. */
    static int checkTrainingSet(float[][] embeddings, boolean[][] labels) {
        if (embeddings.length == 0) {
            throw new InvalidInputException("the training set is empty");
        }
        if (embeddings.length != labels.length) {
            throw new InvalidInputException(embeddings.length + " embeddings but " + labels.length + " label rows");
        }
        int d = embeddings[0].length;
        int t = labels[0].length;
        for (int i = 0; i < embeddings.length; i++) {
            if (embeddings[i].length != d) {
                throw new InvalidInputException("embedding " + i + " has " + embeddings[i].length
                        + " values, the first has " + d);
            }
            if (labels[i].length != t) {
                throw new InvalidInputException("label row " + i + " has " + labels[i].length + " terms, the first has "
                        + t);
            }
        }
        return d;
    }

    static void checkInput(float[] embedding, int dimension) {
        if (embedding.length != dimension) {
            throw new InvalidInputException("embedding has " + embedding.length + " values, the head expects "
                    + dimension);
        }
    }

    static float[] toFloats(boolean[][] labels, int terms) {
        float[] flat = new float[labels.length * terms];
        for (int i = 0; i < labels.length; i++) {
            for (int t = 0; t < terms; t++) {
                flat[i * terms + t] = labels[i][t] ? 1f : 0f;
            }
        }
        return flat;
    }
}
