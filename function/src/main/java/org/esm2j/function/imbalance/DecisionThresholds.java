package org.esm2j.function.imbalance;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.esm2j.function.metrics.AnnotationTsv;
import org.esm2j.function.metrics.MultiLabelEvaluation;
import org.esm2j.function.metrics.PrecisionRecallCurve;
import org.esm2j.function.metrics.RankingMetrics;
import org.esm2j.io.AtomicFiles;

/**
 * Per-term decision thresholds tuned on a validation split, for multi-label predictors whose scores are not equally
 * calibrated across terms (rare terms score low). A protein gets a term when its score is at least the term's
 * threshold.
 *
 * <p>The candidates are the term's distinct validation scores (including 0, where the proteins without a prediction
 * sit); a threshold is the score itself, so the validation protein that scored it is predicted. Two objectives:
 * <ul>
 *   <li>{@link #maximizeF1}: the threshold with the highest F1; among equal F1, the highest threshold (fewer
 *       predictions);</li>
 *   <li>{@link #targetPrecision}: the threshold with the highest recall among those whose precision reaches the
 *       target; among equal recall, the highest threshold.</li>
 * </ul>
 * A term without validation positives, or whose target precision no threshold reaches, gets the fallback threshold
 * and is marked not tuned.
 */
public final class DecisionThresholds {
    private DecisionThresholds() {
    }

    /**
     * F1-maximising thresholds for every term of the validation benchmark.
     *
     * @param fallback the threshold of terms that cannot be tuned (e.g. 0.5)
     */
    public static Map<String, TunedThreshold> maximizeF1(MultiLabelEvaluation validation, double fallback) {
        Map<String, TunedThreshold> result = new LinkedHashMap<>();
        RankingMetrics.termCurves(validation).forEach((term, curve) -> {
            int best = -1;
            double bestF1 = -1;
            for (int k = 0; k < curve.size(); k++) {
                double f1 = f1At(curve, k);
                if (f1 > bestF1) {
                    bestF1 = f1;
                    best = k;
                }
            }
            result.put(term, best < 0 ? TunedThreshold.untuned(term, fallback)
                    : TunedThreshold.at(term, curve, best));
        });
        return result;
    }

    /**
     * Thresholds reaching a precision of at least {@code target} with the most recall, for every term of the
     * validation benchmark.
     *
     * @param target   the precision to reach, in (0, 1]
     * @param fallback the threshold of terms that cannot reach it or have no positives
     */
    public static Map<String, TunedThreshold> targetPrecision(MultiLabelEvaluation validation, double target,
            double fallback) {
        if (!(target > 0 && target <= 1)) {
            throw new IllegalArgumentException("target precision must lie in (0, 1], got " + target);
        }
        Map<String, TunedThreshold> result = new LinkedHashMap<>();
        RankingMetrics.termCurves(validation).forEach((term, curve) -> {
            int best = -1;
            for (int k = 0; k < curve.size(); k++) {
                if (curve.precision()[k] >= target && (best < 0 || curve.recall()[k] > curve.recall()[best])) {
                    best = k;
                }
            }
            result.put(term, best < 0 ? TunedThreshold.untuned(term, fallback) : TunedThreshold.at(term, curve, best));
        });
        return result;
    }

    /**
     * Writes thresholds as TSV, atomically: {@code term<TAB>threshold<TAB>tuned<TAB>precision<TAB>recall<TAB>f1} (the
     * validation values; empty where not tuned). {@link AnnotationTsv#readThresholds} reads it back.
     */
    public static void write(Path file, Collection<TunedThreshold> thresholds) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write("term\tthreshold\ttuned\tprecision\trecall\tf1\n");
            for (TunedThreshold t : thresholds) {
                w.write(t.term() + "\t" + t.threshold() + "\t" + t.tuned() + "\t" + cell(t.precision()) + "\t"
                        + cell(t.recall()) + "\t" + cell(t.f1()) + "\n");
            }
            w.flush();
        });
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static double f1At(PrecisionRecallCurve curve, int k) {
        double p = curve.precision()[k];
        double r = curve.recall()[k];
        return p + r > 0 ? 2 * p * r / (p + r) : 0;
    }

    /**
     * A term's threshold and how it did on the validation split.
     *
     * @param term      the term
     * @param threshold the decision threshold
     * @param precision validation precision at it (NaN when not tuned)
     * @param recall    validation recall at it (NaN when not tuned)
     * @param f1        validation F1 at it (NaN when not tuned)
     * @param tuned     false when the fallback threshold was used
     */
    public record TunedThreshold(String term, double threshold, double precision, double recall, double f1,
            boolean tuned) {
        static TunedThreshold at(String term, PrecisionRecallCurve curve, int k) {
            return new TunedThreshold(term, curve.thresholds()[k], curve.precision()[k], curve.recall()[k],
                    f1At(curve, k), true);
        }

        static TunedThreshold untuned(String term, double fallback) {
            return new TunedThreshold(term, fallback, Double.NaN, Double.NaN, Double.NaN, false);
        }
    }
}
