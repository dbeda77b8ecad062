package org.esm2j.function.embed;

import java.util.List;

/**
 * Turns protein sequences into fixed-size vectors, one per protein, for the probes and heads that work on frozen
 * embeddings. Implementations are thread-safe.
 */
public interface ProteinEmbedder {
    /** The length of every vector {@link #embed} returns. */
    int dimension();

    /** What the vectors are (model, layer, pooling, length policy), for logs and a predictor's provenance. */
    EmbeddingSpec spec();

    /**
     * One vector per sequence, in the order given.
     *
     * @param ids names of the sequences, used only in error messages (same size as {@code sequences})
     */
    float[][] embed(List<String> ids, List<String> sequences);
}
