package org.esm2j.function.probe;

import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.Tensor;

/**
 * k-nearest-neighbour label transfer: the k training proteins with the highest cosine similarity to the query vote
 * for their terms, each vote weighted by its similarity (negative similarities count as 0). score(term) = sum of the
 * weights of neighbours with the term / sum of all k weights, so it is the similarity-weighted share of neighbours
 * carrying the term; all-zero when no neighbour is similar at all.
 */
public final class KnnLabelTransfer implements EmbeddingHead {
    public static final String KIND = "knn";

    private final int k;
    private final int dimension;
    private final int terms;
    private final float[][] references; // unit vectors (n, D)
    private final float[] labels; // (n, terms) 0/1

    private KnnLabelTransfer(int k, float[][] references, float[] labels, int terms) {
        if (k < 1) {
            throw new InvalidInputException("k must be at least 1, got " + k);
        }
        this.k = k;
        this.references = references;
        this.dimension = references[0].length;
        this.labels = labels;
        this.terms = terms;
    }

    /** Keeps the training set: embeddings (normalised to unit length) and their labels. */
    public static KnnLabelTransfer fit(float[][] embeddings, boolean[][] labels, int k) {
        Vectors.checkTrainingSet(embeddings, labels);
        float[][] unit = new float[embeddings.length][];
        for (int i = 0; i < embeddings.length; i++) {
            unit[i] = Vectors.unit(embeddings[i]);
        }
        return new KnnLabelTransfer(k, unit, Vectors.toFloats(labels, labels[0].length), labels[0].length);
    }

    static KnnLabelTransfer restore(Map<String, Object> config, Map<String, Tensor> tensors) {
        Tensor refs = tensors.get("references");
        Tensor lab = tensors.get("labels");
        int n = (int) refs.dim(0);
        if (refs.rank() != 2 || lab.rank() != 2 || lab.dim(0) != n || n == 0) {
            throw new IllegalArgumentException("references " + java.util.Arrays.toString(refs.shape()) + " and labels "
                    + java.util.Arrays.toString(lab.shape()) + " must be (n, D) and (n, terms) with n > 0");
        }
        return new KnnLabelTransfer(((Number) config.get("k")).intValue(),
                Vectors.rows(refs.toFloatArray(), n, (int) refs.dim(1)), lab.toFloatArray(), (int) lab.dim(1));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int inputDimension() {
        return dimension;
    }

    @Override
    public int termCount() {
        return terms;
    }

    @Override
    public float[] score(float[] embedding) {
        Vectors.checkInput(embedding, dimension);
        float[] query = Vectors.unit(embedding);
        int n = references.length;
        int kk = Math.min(k, n);
        // Top-k by insertion into a small sorted buffer: k is small and n is a training set.
        int[] best = new int[kk];
        double[] bestSim = new double[kk];
        java.util.Arrays.fill(bestSim, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            double s = Vectors.dot(query, references[i]);
            if (s <= bestSim[kk - 1]) {
                continue;
            }
            int j = kk - 1;
            while (j > 0 && bestSim[j - 1] < s) {
                bestSim[j] = bestSim[j - 1];
                best[j] = best[j - 1];
                j--;
            }
            bestSim[j] = s;
            best[j] = i;
        }
        double[] votes = new double[terms];
        double total = 0;
        for (int j = 0; j < kk; j++) {
            double w = Math.max(0, bestSim[j]);
            total += w;
            for (int t = 0; t < terms; t++) {
                votes[t] += w * labels[best[j] * terms + t];
            }
        }
        float[] scores = new float[terms];
        if (total > 0) {
            for (int t = 0; t < terms; t++) {
                scores[t] = (float) Math.min(1.0, votes[t] / total);
            }
        }
        return scores;
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("references", Tensor.ofFloats(Vectors.flatten(references, dimension), references.length, dimension));
        m.put("labels", Tensor.ofFloats(labels.clone(), references.length, terms));
        return m;
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("k", k);
    }
}
