package org.esm2j.function.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ranking metrics over the protein x term matrix of a benchmark (every benchmark protein with every vocabulary term; a
 * pair without a prediction scores 0), with scikit-learn's definitions: average precision is the step-wise sum
 * (recall gained x precision) over distinct thresholds, ROC AUC counts ties as half.
 * <ul>
 *   <li>micro: one ranking of all pairs ({@code average="micro"});</li>
 *   <li>macro: the mean over terms of each term's value over the benchmark proteins ({@code average="macro"}), over
 *       the terms where it is defined: at least one positive for AUPR, a positive and a negative for AUROC;</li>
 *   <li>mAP: the mean over proteins of each protein's average precision over the vocabulary ({@code
 *       average="samples"}), over the proteins with a true term.</li>
 * </ul>
 */
public final class RankingMetrics {
    private RankingMetrics() {
    }

    /** Micro-averaged AUPR: average precision of all protein-term pairs in one ranking. */
    public static double microAupr(MultiLabelEvaluation ev) {
        return allPairs(ev).averagePrecision();
    }

    /** Micro-averaged ROC AUC over all protein-term pairs. */
    public static double microAuroc(MultiLabelEvaluation ev) {
        return allPairs(ev).rocAuc();
    }

    /** The precision-recall curve of all pairs in one ranking (the micro-averaged curve). */
    public static PrecisionRecallCurve microCurve(MultiLabelEvaluation ev) {
        return allPairs(ev).precisionRecallCurve();
    }

    /** Macro-averaged AUPR: the mean of per-term average precision over terms with a positive; NaN if none. */
    public static double macroAupr(MultiLabelEvaluation ev) {
        return meanDefined(perTerm(ev), true);
    }

    /** Macro-averaged ROC AUC over terms with a positive and a negative; NaN if none. */
    public static double macroAuroc(MultiLabelEvaluation ev) {
        return meanDefined(perTerm(ev), false);
    }

    /** mAP: the mean over benchmark proteins of the average precision of each protein's ranking of the terms. */
    public static double meanAveragePrecision(MultiLabelEvaluation ev) {
        int n = ev.annotatedCount();
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int r = 0; r < ev.proteinCount(); r++) {
            if (ev.truth(r).length == 0) {
                continue;
            }
            RankedScores ranked = new RankedScores();
            int[] terms = ev.predictedTerms(r);
            double[] scores = ev.predictedScores(r);
            long truePredicted = 0;
            for (int i = 0; i < terms.length; i++) {
                boolean positive = ev.isTrue(r, terms[i]);
                ranked.add(scores[i], positive);
                truePredicted += positive ? 1 : 0;
            }
            ranked.addBlock(0, ev.truth(r).length - truePredicted, ev.termCount() - terms.length);
            sum += ranked.averagePrecision();
        }
        return sum / n;
    }

    /**
     * Average precision and ROC AUC of each vocabulary term over the benchmark proteins, in vocabulary order.
     *
     * @return one entry per term; values are NaN where undefined (no positive, or for AUROC no negative)
     */
    public static List<TermRanking> perTerm(MultiLabelEvaluation ev) {
        RankedScores[] ranked = rankPerTerm(ev);
        List<TermRanking> result = new ArrayList<>(ranked.length);
        for (int t = 0; t < ranked.length; t++) {
            result.add(new TermRanking(ev.terms().get(t), ranked[t].positives(), ranked[t].averagePrecision(),
                    ranked[t].rocAuc()));
        }
        return result;
    }

    /**
     * Each vocabulary term's precision-recall curve over the benchmark proteins, one point per distinct score (the
     * last at score 0, where every protein is predicted); empty for a term without positives.
     */
    public static Map<String, PrecisionRecallCurve> termCurves(MultiLabelEvaluation ev) {
        RankedScores[] ranked = rankPerTerm(ev);
        Map<String, PrecisionRecallCurve> curves = new LinkedHashMap<>();
        for (int t = 0; t < ranked.length; t++) {
            curves.put(ev.terms().get(t), ranked[t].precisionRecallCurve());
        }
        return curves;
    }

    /** Per term, its scores over all benchmark proteins, the unpredicted ones as one block at 0. */
    private static RankedScores[] rankPerTerm(MultiLabelEvaluation ev) {
        int terms = ev.termCount();
        RankedScores[] ranked = new RankedScores[terms];
        long[] positives = new long[terms];
        long[] scored = new long[terms];
        long[] scoredPositives = new long[terms];
        for (int t = 0; t < terms; t++) {
            ranked[t] = new RankedScores();
        }
        for (int r = 0; r < ev.proteinCount(); r++) {
            for (int t : ev.truth(r)) {
                positives[t]++;
            }
            int[] predicted = ev.predictedTerms(r);
            double[] scores = ev.predictedScores(r);
            for (int i = 0; i < predicted.length; i++) {
                boolean positive = ev.isTrue(r, predicted[i]);
                ranked[predicted[i]].add(scores[i], positive);
                scored[predicted[i]]++;
                scoredPositives[predicted[i]] += positive ? 1 : 0;
            }
        }
        for (int t = 0; t < terms; t++) {
            ranked[t].addBlock(0, positives[t] - scoredPositives[t], ev.proteinCount() - scored[t]);
        }
        return ranked;
    }

    /**
     * One term's ranking quality over the benchmark proteins.
     *
     * @param term             the term
     * @param positives        benchmark proteins annotated with it
     * @param averagePrecision its AUPR (NaN without positives)
     * @param auroc            its ROC AUC (NaN without both positives and negatives)
     */
    public record TermRanking(String term, long positives, double averagePrecision, double auroc) {
    }

    /** All protein-term pairs in one ranking, the unpredicted ones as one block at 0. */
    static RankedScores allPairs(MultiLabelEvaluation ev) {
        RankedScores ranked = new RankedScores();
        long pairs = (long) ev.proteinCount() * ev.termCount();
        long positives = 0;
        long scored = 0;
        long scoredPositives = 0;
        for (int r = 0; r < ev.proteinCount(); r++) {
            positives += ev.truth(r).length;
            int[] terms = ev.predictedTerms(r);
            double[] scores = ev.predictedScores(r);
            for (int i = 0; i < terms.length; i++) {
                boolean positive = ev.isTrue(r, terms[i]);
                ranked.add(scores[i], positive);
                scored++;
                scoredPositives += positive ? 1 : 0;
            }
        }
        ranked.addBlock(0, positives - scoredPositives, pairs - scored);
        return ranked;
    }

    /** The mean of per-term AUPR ({@code precision}) or AUROC over the terms where it is defined; NaN if none. */
    static double meanDefined(List<TermRanking> terms, boolean precision) {
        double sum = 0;
        int n = 0;
        for (TermRanking t : terms) {
            double v = precision ? t.averagePrecision() : t.auroc();
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
