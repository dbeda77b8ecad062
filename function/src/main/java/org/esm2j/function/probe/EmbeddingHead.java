package org.esm2j.function.probe;

import java.util.Map;
import org.esm2j.tensor.Tensor;

/**
 * A trained multi-label scorer on frozen protein embeddings: embedding in, one score in [0, 1] per term of the label
 * vocabulary out. Heads are immutable once built, so {@link #score} is safe from any number of threads. A head saves
 * itself as named tensors plus a small JSON-ready config, from which {@link EmbeddingHeads#restore} rebuilds it.
 */
public interface EmbeddingHead {
    /** The head's kind as stored in a predictor directory: {@code logreg}, {@code mlp}, {@code knn}, {@code prototypes}. */
    String kind();

    int inputDimension();

    int termCount();

    /** Scores for one embedding, one per term, each in [0, 1]. */
    float[] score(float[] embedding);

    /** Everything learned, as tensors (saved as safetensors). */
    Map<String, Tensor> tensors();

    /** Hyperparameters needed to rebuild the head with {@link #tensors()} (numbers, strings, booleans). */
    Map<String, Object> config();

    /** Scores for many embeddings: row i is {@code score(embeddings[i])}. */
    default float[][] scoreAll(float[][] embeddings) {
        float[][] out = new float[embeddings.length][];
        for (int i = 0; i < embeddings.length; i++) {
            out[i] = score(embeddings[i]);
        }
        return out;
    }
}
