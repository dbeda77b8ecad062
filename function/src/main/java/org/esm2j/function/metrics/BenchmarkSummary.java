package org.esm2j.function.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The headline numbers of a multi-label benchmark, as {@code esm2j evaluate} reports them: F-max with threshold and
 * coverage, S-min when information content is known, micro and macro AUPR, mAP, micro and macro AUROC.
 *
 * @param proteins             benchmark proteins
 * @param terms                vocabulary terms (in annotations or predictions of benchmark proteins)
 * @param fmax                 F-max and its curve
 * @param smin                 S-min and its curve, or null without information content
 * @param auprMicro            micro-averaged AUPR
 * @param auprMacro            macro-averaged AUPR
 * @param meanAveragePrecision mAP over proteins
 * @param aurocMicro           micro-averaged ROC AUC
 * @param aurocMacro           macro-averaged ROC AUC
 */
public record BenchmarkSummary(int proteins, int terms, ProteinCentricMetrics.FMax fmax,
        ProteinCentricMetrics.SMin smin, double auprMicro, double auprMacro, double meanAveragePrecision,
        double aurocMicro, double aurocMacro) {

    /** Names of the values {@link #headline()} returns, in its order; also their JSON keys. */
    public static final String[] HEADLINE = {"fmax", "coverage", "aupr_micro", "aupr_macro", "map", "auroc_micro",
        "auroc_macro", "smin"};

    /**
     * Computes the summary.
     *
     * @param ic information content for S-min, or null to skip it
     */
    public static BenchmarkSummary of(MultiLabelEvaluation ev, InformationContent ic) {
        // One ranking of all pairs and one per term serve both AUPR and AUROC (a bootstrap computes this many times).
        RankedScores pairs = RankingMetrics.allPairs(ev);
        List<RankingMetrics.TermRanking> terms = RankingMetrics.perTerm(ev);
        return new BenchmarkSummary(ev.proteinCount(), ev.termCount(), ProteinCentricMetrics.fmax(ev),
                ic == null ? null : ProteinCentricMetrics.smin(ev, ic), pairs.averagePrecision(),
                RankingMetrics.meanDefined(terms, true), RankingMetrics.meanAveragePrecision(ev), pairs.rocAuc(),
                RankingMetrics.meanDefined(terms, false));
    }

    /** The values named by {@link #HEADLINE}; S-min is NaN when not computed. */
    public double[] headline() {
        return new double[] {fmax.fmax(), fmax.coverage(), auprMicro, auprMacro, meanAveragePrecision, aurocMicro,
            aurocMacro, smin == null ? Double.NaN : smin.smin()};
    }

    /**
     * The summary as JSON-ready values: {@code proteins}, {@code terms}, {@code fmax}, {@code fmax_threshold},
     * {@code coverage}, {@code aupr_micro}, {@code aupr_macro}, {@code map}, {@code auroc_micro}, {@code
     * auroc_macro}, and with information content {@code smin} and {@code smin_threshold}. Undefined values are null.
     */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("proteins", proteins);
        json.put("terms", terms);
        json.put("fmax", number(fmax.fmax()));
        json.put("fmax_threshold", number(fmax.threshold()));
        json.put("coverage", number(fmax.coverage()));
        json.put("aupr_micro", number(auprMicro));
        json.put("aupr_macro", number(auprMacro));
        json.put("map", number(meanAveragePrecision));
        json.put("auroc_micro", number(aurocMicro));
        json.put("auroc_macro", number(aurocMacro));
        if (smin != null) {
            json.put("smin", number(smin.smin()));
            json.put("smin_threshold", number(smin.threshold()));
        }
        return json;
    }

    /** A JSON number, or null where the value is undefined (JSON has no NaN). */
    public static Double number(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
