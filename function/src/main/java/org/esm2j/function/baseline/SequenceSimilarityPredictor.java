package org.esm2j.function.baseline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.IdentitySearch;

/**
 * CAFA's sequence-similarity ("BLAST") baseline: a query takes the terms of its best hit among the training proteins,
 * each scored by the hit's sequence identity, so a close homolog's terms score near 1 and a remote one's low. A query
 * without a significant hit scores 0 for every term. The search is any {@link IdentitySearch}: MMseqs2, DIAMOND, the
 * Java Smith-Waterman or k-mer fallbacks ({@link BaselineSearches#detect}).
 */
public final class SequenceSimilarityPredictor {
    private final List<FastaRecord> training;
    private final Map<String, boolean[]> labelsById;
    private final int terms;
    private final IdentitySearch search;

    private SequenceSimilarityPredictor(List<FastaRecord> training, Map<String, boolean[]> labelsById, int terms,
            IdentitySearch search) {
        this.training = training;
        this.labelsById = labelsById;
        this.terms = terms;
        this.search = search;
    }

    /**
     * @param training the training proteins (ids unique)
     * @param labels {@code labels[i][t]}: training protein i has term t
     */
    public static SequenceSimilarityPredictor fit(List<FastaRecord> training, boolean[][] labels,
            IdentitySearch search) {
        if (training.isEmpty() || training.size() != labels.length) {
            throw new InvalidInputException(training.size() + " training sequences but " + labels.length
                    + " label rows (both must be non-empty and equal)");
        }
        Map<String, boolean[]> byId = new HashMap<>();
        for (int i = 0; i < training.size(); i++) {
            if (byId.put(training.get(i).id(), labels[i].clone()) != null) {
                throw new InvalidInputException("training protein id '" + training.get(i).id() + "' appears twice");
            }
        }
        return new SequenceSimilarityPredictor(List.copyOf(training), byId, labels[0].length, search);
    }

    /** How identities are measured, for logs and reports. */
    public String method() {
        return search.method();
    }

    /** Scores, one row per query, one column per term. */
    public float[][] predict(List<FastaRecord> queries) {
        float[][] scores = new float[queries.size()][terms];
        Map<String, IdentitySearch.Hit> best = search.bestHits(queries, training);
        for (int q = 0; q < queries.size(); q++) {
            IdentitySearch.Hit hit = best.get(queries.get(q).id());
            if (hit == null) {
                continue;
            }
            boolean[] carried = labelsById.get(hit.target());
            for (int t = 0; t < terms; t++) {
                if (carried[t]) {
                    scores[q][t] = (float) hit.identity();
                }
            }
        }
        return scores;
    }
}
