package org.esm2j.function.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Percentile bootstrap confidence intervals for benchmark metrics: the benchmark proteins (or, for single-label and
 * regression metrics, the examples) are drawn with replacement
 * (a protein drawn twice counts twice), the metric is computed on each resample, and the interval is the central
 * {@code level} share of the resampled values (quantiles interpolated linearly between order statistics, numpy's
 * default). Resamples where the metric is undefined (NaN) are left out and counted.
 *
 * <p>The resamples depend only on the seed and the number of proteins, so two metrics given the same seed are
 * resampled alike and a run repeats exactly.
 */
public final class Bootstrap {
    private final int resamples;
    private final double level;
    private final long seed;

    /**
     * @param resamples how many resamples (1000 is common)
     * @param level     the interval's coverage, in (0, 1), e.g. 0.95
     * @param seed      the random seed
     */
    public Bootstrap(int resamples, double level, long seed) {
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must lie in (0, 1), got " + level);
        }
        this.resamples = resamples;
        this.level = level;
        this.seed = seed;
    }

    /**
     * The metric on the whole benchmark and its interval.
     *
     * @param ev     the benchmark
     * @param metric what to compute on it and on each resample
     */
    public Interval interval(MultiLabelEvaluation ev, ToDoubleFunction<MultiLabelEvaluation> metric) {
        return intervals(ev, e -> new double[] {metric.applyAsDouble(e)})[0];
    }

    /**
     * Several metrics computed together on the benchmark and on each resample (cheaper when they share work), each
     * with its interval.
     *
     * @param metrics what to compute; returns the same number of values on every call
     */
    public Interval[] intervals(MultiLabelEvaluation ev, Function<MultiLabelEvaluation, double[]> metrics) {
        int[] all = new int[ev.proteinCount()];
        Arrays.setAll(all, i -> i);
        return intervals(all.length, rows -> metrics.apply(rows == all ? ev : ev.rows(rows)), all);
    }

    /**
     * Intervals for metrics of any paired data of {@code n} examples (single-label classes, regression targets):
     * {@code metricsOfRows} gets the example indices of the full set (0..n-1 in order) or of a resample, and returns
     * the metrics over those examples.
     */
    public Interval[] intervals(int n, Function<int[], double[]> metricsOfRows) {
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        return intervals(n, metricsOfRows, all);
    }

    private Interval[] intervals(int n, Function<int[], double[]> metricsOfRows, int[] all) {
        double[] estimates = metricsOfRows.apply(all);
        int m = estimates.length;
        double[][] values = new double[m][resamples];
        int[] defined = new int[m];
        SplittableRandom random = new SplittableRandom(seed);
        int[] rows = new int[n];
        for (int b = 0; n > 0 && b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                rows[i] = random.nextInt(n);
            }
            double[] v = metricsOfRows.apply(rows);
            for (int j = 0; j < m; j++) {
                if (!Double.isNaN(v[j])) {
                    values[j][defined[j]++] = v[j];
                }
            }
        }
        Interval[] intervals = new Interval[m];
        double tail = (1 - level) / 2;
        for (int j = 0; j < m; j++) {
            if (defined[j] == 0) {
                intervals[j] = new Interval(estimates[j], Double.NaN, Double.NaN, level, 0);
                continue;
            }
            double[] sorted = Arrays.copyOf(values[j], defined[j]);
            Arrays.sort(sorted);
            intervals[j] = new Interval(estimates[j], quantile(sorted, tail), quantile(sorted, 1 - tail), level,
                    defined[j]);
        }
        return intervals;
    }

    /** The q-quantile of sorted values, interpolating linearly between order statistics (numpy's "linear"). */
    static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    /**
     * A metric with its bootstrap interval.
     *
     * @param estimate  the metric on the whole benchmark
     * @param lower     the interval's lower end
     * @param upper     the interval's upper end
     * @param level     the interval's coverage
     * @param resamples the resamples where the metric was defined
     */
    public record Interval(double estimate, double lower, double upper, double level, int resamples) {
    }
}
