package org.esm2j.function.metrics;

/**
 * CAFA's protein-centric metrics, F-max and S-min, over the thresholds t = k/100 for k = 1..100; a term is predicted
 * for a protein when its score is at least t.
 *
 * <p>With n benchmark proteins, T_i the true terms of protein i and P_i(t) its terms predicted at t:
 * <ul>
 *   <li>precision(t) = mean over the m(t) proteins with a non-empty P_i(t) of |P_i(t) ∩ T_i| / |P_i(t)|;</li>
 *   <li>recall(t) = mean over all n proteins of |P_i(t) ∩ T_i| / |T_i|;</li>
 *   <li>F(t) = 2 precision recall / (precision + recall); F-max = max over the t with m(t) > 0, and its coverage is
 *       m(t) / n at that t;</li>
 *   <li>ru(t) = (1/n) Σ_i Σ_{f ∈ T_i \ P_i(t)} ic(f) (remaining uncertainty), mi(t) = (1/n) Σ_i Σ_{f ∈ P_i(t) \ T_i}
 *       ic(f) (misinformation), S(t) = sqrt(ru² + mi²); S-min = min over all t.</li>
 * </ul>
 * Proteins without a true term (kept only by {@link MultiLabelEvaluation#withUnannotated}) are not benchmark proteins
 * here and are skipped. Where several thresholds reach the best value, the lowest of them is reported. When no protein has a prediction at
 * any threshold, F-max is 0 with an undefined (NaN) threshold and coverage 0.
 */
public final class ProteinCentricMetrics {
    /** Thresholds are k / STEPS for k = 1..STEPS. */
    public static final int STEPS = 100;

    private ProteinCentricMetrics() {
    }

    /** The threshold k / 100 as a double, exactly as it is compared with scores. */
    public static double threshold(int k) {
        return k / (double) STEPS;
    }

    /** How many thresholds a score passes: the largest k in 0..100 with score >= k/100 (0 when it passes none). */
    static int levelsPassed(double score) {
        int k = (int) Math.max(0, Math.min(STEPS, Math.floor(score * STEPS)));
        // score * 100 may round across an integer; settle k against the very comparison the definition makes.
        while (k < STEPS && score >= threshold(k + 1)) {
            k++;
        }
        while (k > 0 && score < threshold(k)) {
            k--;
        }
        return k;
    }

    /** F-max, its threshold and coverage, and the precision-recall curve over the 100 thresholds. */
    public static FMax fmax(MultiLabelEvaluation ev) {
        int n = ev.annotatedCount();
        double[] precisionSum = new double[STEPS + 1];
        double[] recallSum = new double[STEPS + 1];
        int[] covered = new int[STEPS + 1];
        for (int r = 0; r < ev.proteinCount(); r++) {
            int trueCount = ev.truth(r).length;
            if (trueCount == 0) {
                continue;
            }
            Counts c = counts(ev, r, null);
            for (int k = 1; k <= STEPS; k++) {
                if (c.predicted[k] > 0) {
                    covered[k]++;
                    precisionSum[k] += c.truePredicted[k] / c.predicted[k];
                }
                recallSum[k] += c.truePredicted[k] / trueCount;
            }
        }
        double[] precision = new double[STEPS];
        double[] recall = new double[STEPS];
        double[] coverage = new double[STEPS];
        double best = 0;
        int bestK = 0;
        for (int k = 1; k <= STEPS; k++) {
            precision[k - 1] = covered[k] > 0 ? precisionSum[k] / covered[k] : Double.NaN;
            recall[k - 1] = n > 0 ? recallSum[k] / n : Double.NaN;
            coverage[k - 1] = n > 0 ? (double) covered[k] / n : Double.NaN;
            if (covered[k] > 0) {
                double p = precision[k - 1];
                double rc = recall[k - 1];
                double f = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
                if (bestK == 0 || f > best) {
                    best = f;
                    bestK = k;
                }
            }
        }
        return new FMax(best, bestK == 0 ? Double.NaN : threshold(bestK),
                bestK == 0 ? 0 : coverage[bestK - 1], precision, recall, coverage);
    }

    /** S-min and its threshold, with the per-term information content {@code ic}. */
    public static SMin smin(MultiLabelEvaluation ev, InformationContent ic) {
        int n = ev.annotatedCount();
        double[] termIc = new double[ev.termCount()];
        for (int t = 0; t < termIc.length; t++) {
            termIc[t] = ic.of(ev.terms().get(t));
        }
        double[] remaining = new double[STEPS + 1];
        double[] misinformation = new double[STEPS + 1];
        for (int r = 0; r < ev.proteinCount(); r++) {
            if (ev.truth(r).length == 0) {
                continue;
            }
            double trueIc = 0;
            for (int t : ev.truth(r)) {
                trueIc += termIc[t];
            }
            Counts c = counts(ev, r, termIc);
            for (int k = 1; k <= STEPS; k++) {
                remaining[k] += trueIc - c.truePredicted[k];
                misinformation[k] += c.predicted[k] - c.truePredicted[k];
            }
        }
        double[] ru = new double[STEPS];
        double[] mi = new double[STEPS];
        double best = Double.NaN;
        int bestK = 0;
        for (int k = 1; k <= STEPS; k++) {
            ru[k - 1] = remaining[k] / n;
            mi[k - 1] = misinformation[k] / n;
            double s = Math.hypot(ru[k - 1], mi[k - 1]);
            if (bestK == 0 || s < best) {
                best = s;
                bestK = k;
            }
        }
        return n == 0 ? new SMin(Double.NaN, Double.NaN, ru, mi) : new SMin(best, threshold(bestK), ru, mi);
    }

    /**
     * Per threshold k, for one protein: the predicted terms and the true ones among them, each counted 1 (weights
     * null) or weighted by its term's weight (information content).
     */
    private static Counts counts(MultiLabelEvaluation ev, int row, double[] weights) {
        Counts c = new Counts();
        int[] terms = ev.predictedTerms(row);
        double[] scores = ev.predictedScores(row);
        for (int i = 0; i < terms.length; i++) {
            int levels = levelsPassed(scores[i]);
            double w = weights == null ? 1 : weights[terms[i]];
            c.predicted[levels] += w;
            if (ev.isTrue(row, terms[i])) {
                c.truePredicted[levels] += w;
            }
        }
        // A term passing `levels` thresholds is predicted at every k <= levels: suffix sums turn counts per level
        // into counts per threshold.
        for (int k = STEPS - 1; k >= 0; k--) {
            c.predicted[k] += c.predicted[k + 1];
            c.truePredicted[k] += c.truePredicted[k + 1];
        }
        return c;
    }

    private static final class Counts {
        final double[] predicted = new double[STEPS + 1];
        final double[] truePredicted = new double[STEPS + 1];
    }

    /**
     * F-max with the curve it was taken from; the arrays are indexed by k - 1 for threshold k/100.
     *
     * @param fmax      the best F over thresholds with at least one prediction (0 when there is none)
     * @param threshold the lowest threshold reaching it (NaN when there is none)
     * @param coverage  the share of benchmark proteins with a prediction at that threshold
     * @param precision precision per threshold (NaN where no protein has a prediction)
     * @param recall    recall per threshold
     * @param coverages coverage per threshold
     */
    public record FMax(double fmax, double threshold, double coverage, double[] precision, double[] recall,
            double[] coverages) {
        /** The curve's points with a defined precision, from the highest threshold down, for plotting. */
        public PrecisionRecallCurve curve() {
            int n = 0;
            for (double p : precision) {
                n += Double.isNaN(p) ? 0 : 1;
            }
            double[] t = new double[n];
            double[] r = new double[n];
            double[] p = new double[n];
            int i = 0;
            for (int k = STEPS; k >= 1; k--) {
                if (!Double.isNaN(precision[k - 1])) {
                    t[i] = ProteinCentricMetrics.threshold(k);
                    r[i] = recall[k - 1];
                    p[i] = precision[k - 1];
                    i++;
                }
            }
            return new PrecisionRecallCurve(t, r, p);
        }
    }

    /**
     * S-min with the curve it was taken from; the arrays are indexed by k - 1 for threshold k/100.
     *
     * @param smin                 the least semantic distance over thresholds (NaN for an empty benchmark)
     * @param threshold            the lowest threshold reaching it
     * @param remainingUncertainty ru per threshold
     * @param misinformation       mi per threshold
     */
    public record SMin(double smin, double threshold, double[] remainingUncertainty, double[] misinformation) {
    }
}
