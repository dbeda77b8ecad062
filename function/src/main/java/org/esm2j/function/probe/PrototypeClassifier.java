package org.esm2j.function.probe;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.Tensor;

/**
 * Prototypical few-shot classification (Snell et al. 2017) on frozen embeddings: each term's prototype is the mean
 * embedding of its support proteins; a query's scores are the softmax over terms of {@code -distance / temperature},
 * so the nearest prototype scores highest and the scores sum to 1 over the terms that have support. A term without
 * any support protein has no prototype and scores 0. Distances: squared Euclidean (as in the paper), or cosine
 * distance {@code 1 - cos}.
 */
public final class PrototypeClassifier implements EmbeddingHead {
    public static final String KIND = "prototypes";

    /** How far a query is from a prototype. */
    public enum Metric {
        EUCLIDEAN, COSINE;

        double distance(float[] a, float[] b) {
            if (this == EUCLIDEAN) {
                return Vectors.squaredDistance(a, b);
            }
            double na = Math.sqrt(Vectors.dot(a, a));
            double nb = Math.sqrt(Vectors.dot(b, b));
            return na == 0 || nb == 0 ? 1.0 : 1.0 - Vectors.dot(a, b) / (na * nb);
        }
    }

    private final Metric metric;
    private final double temperature;
    private final float[][] prototypes; // (terms, D); a term without support has a row of NaN
    private final int dimension;

    private PrototypeClassifier(Metric metric, double temperature, float[][] prototypes) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new InvalidInputException("prototype temperature must be positive and finite, got " + temperature);
        }
        this.metric = metric;
        this.temperature = temperature;
        this.prototypes = prototypes;
        this.dimension = prototypes[0].length;
    }

    /**
     * Prototypes from a support set, with the given softmax temperature (in units of the metric's distance).
     *
     * @param labels {@code labels[i][t]}: support protein i belongs to term t (a protein may support several terms)
     */
    public static PrototypeClassifier fit(float[][] support, boolean[][] labels, Metric metric, double temperature) {
        return new PrototypeClassifier(metric, temperature, prototypes(support, labels));
    }

    /**
     * As {@link #fit(float[][], boolean[][], Metric, double)}, with the temperature set to the mean distance of a
     * support protein to its own terms' prototypes: the spread of a class, so scores neither saturate to one-hot nor
     * flatten to uniform whatever the scale of the embeddings.
     */
    public static PrototypeClassifier fit(float[][] support, boolean[][] labels, Metric metric) {
        float[][] prototypes = prototypes(support, labels);
        double sum = 0;
        long count = 0;
        for (int i = 0; i < support.length; i++) {
            for (int t = 0; t < prototypes.length; t++) {
                if (labels[i][t]) {
                    sum += metric.distance(support[i], prototypes[t]);
                    count++;
                }
            }
        }
        double spread = count == 0 ? 0 : sum / count;
        return new PrototypeClassifier(metric, spread > 0 ? spread : 1.0, prototypes);
    }

    private static float[][] prototypes(float[][] support, boolean[][] labels) {
        int d = Vectors.checkTrainingSet(support, labels);
        int terms = labels[0].length;
        double[][] sum = new double[terms][d];
        int[] count = new int[terms];
        for (int i = 0; i < support.length; i++) {
            for (int t = 0; t < terms; t++) {
                if (labels[i][t]) {
                    count[t]++;
                    for (int c = 0; c < d; c++) {
                        sum[t][c] += support[i][c];
                    }
                }
            }
        }
        float[][] prototypes = new float[terms][d];
        for (int t = 0; t < terms; t++) {
            for (int c = 0; c < d; c++) {
                prototypes[t][c] = count[t] == 0 ? Float.NaN : (float) (sum[t][c] / count[t]);
            }
        }
        return prototypes;
    }

    static PrototypeClassifier restore(Map<String, Object> config, Map<String, Tensor> tensors) {
        Tensor p = tensors.get("prototypes");
        if (p.rank() != 2 || p.dim(0) == 0) {
            throw new IllegalArgumentException("prototypes " + java.util.Arrays.toString(p.shape())
                    + " must be (terms, D) with terms > 0");
        }
        return new PrototypeClassifier(Metric.valueOf(((String) config.get("metric")).toUpperCase(Locale.ROOT)),
                ((Number) config.get("temperature")).doubleValue(),
                Vectors.rows(p.toFloatArray(), (int) p.dim(0), (int) p.dim(1)));
    }

    public double temperature() {
        return temperature;
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
        return prototypes.length;
    }

    @Override
    public float[] score(float[] embedding) {
        Vectors.checkInput(embedding, dimension);
        int terms = prototypes.length;
        double[] logits = new double[terms];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < terms; t++) {
            logits[t] = Float.isNaN(prototypes[t][0])
                    ? Double.NEGATIVE_INFINITY
                    : -metric.distance(embedding, prototypes[t]) / temperature;
            max = Math.max(max, logits[t]);
        }
        float[] scores = new float[terms];
        if (max == Double.NEGATIVE_INFINITY) {
            return scores;
        }
        double total = 0;
        double[] e = new double[terms];
        for (int t = 0; t < terms; t++) {
            e[t] = Math.exp(logits[t] - max);
            total += e[t];
        }
        for (int t = 0; t < terms; t++) {
            scores[t] = (float) (e[t] / total);
        }
        return scores;
    }

    @Override
    public Map<String, Tensor> tensors() {
        return Map.of("prototypes",
                Tensor.ofFloats(Vectors.flatten(prototypes, dimension), prototypes.length, dimension));
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("metric", metric.name().toLowerCase(Locale.ROOT));
        m.put("temperature", temperature);
        return m;
    }
}
