package org.esm2j.function.baseline;

import java.util.List;
import org.esm2j.InvalidInputException;

/**
 * CAFA's sequence-similarity ("BLAST") baseline: a query inherits the terms of the training proteins it aligns to,
 * each term scored by the highest identity among the hits that carry it (so the best hit's terms get its identity,
 * and a term only weaker hits carry gets theirs). A query without significant hits scores 0 for every term.
 */
public final class SequenceSimilarityPredictor {
    private final List<String> trainingSequences;
    private final boolean[][] labels;
    private final HomologySearch search;

    private SequenceSimilarityPredictor(List<String> trainingSequences, boolean[][] labels, HomologySearch search) {
        this.trainingSequences = trainingSequences;
        this.labels = labels;
        this.search = search;
    }

    /** @param labels {@code labels[i][t]}: training protein i has term t */
    public static SequenceSimilarityPredictor fit(List<String> trainingSequences, boolean[][] labels,
            HomologySearch search) {
        if (trainingSequences.isEmpty() || trainingSequences.size() != labels.length) {
            throw new InvalidInputException(trainingSequences.size() + " training sequences but " + labels.length
                    + " label rows (both must be non-empty and equal)");
        }
        return new SequenceSimilarityPredictor(List.copyOf(trainingSequences), labels.clone(), search);
    }

    public String searchName() {
        return search.name();
    }

    /** Scores, one row per query, one column per term. */
    public float[][] predict(List<String> queries) {
        int terms = labels[0].length;
        float[][] scores = new float[queries.size()][terms];
        for (HomologyHit hit : search.search(queries, trainingSequences)) {
            boolean[] carried = labels[hit.target()];
            float[] row = scores[hit.query()];
            for (int t = 0; t < terms; t++) {
                if (carried[t] && hit.identity() > row[t]) {
                    row[t] = (float) hit.identity();
                }
            }
        }
        return scores;
    }
}
