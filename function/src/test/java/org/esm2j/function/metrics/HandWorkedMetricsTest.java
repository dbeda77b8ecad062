package org.esm2j.function.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every multi-label metric on one small benchmark worked out by hand (the arithmetic is in the comments).
 *
 * <pre>
 * truth:        A: {a, b}     B: {c}            C: {a}
 * predictions:  A: a .9, b .4, c .6
 *               B: a .8, c .3
 *               C: (none)
 *               X: a 1.0      (X is outside the benchmark: ignored, as is any term only X has)
 * </pre>
 */
class HandWorkedMetricsTest {
    private static final double EPS = 1e-15;

    private static MultiLabelEvaluation benchmark() {
        Map<String, Set<String>> truth = new LinkedHashMap<>();
        truth.put("A", Set.of("a", "b"));
        truth.put("B", Set.of("c"));
        truth.put("C", Set.of("a"));
        Map<String, Map<String, Double>> predictions = new LinkedHashMap<>();
        predictions.put("A", Map.of("a", 0.9, "b", 0.4, "c", 0.6));
        predictions.put("B", Map.of("a", 0.8, "c", 0.3));
        predictions.put("X", Map.of("a", 1.0, "z", 0.7));
        return MultiLabelEvaluation.of(truth, predictions);
    }

    @Test
    void vocabularyIgnoresProteinsOutsideTheBenchmark() {
        MultiLabelEvaluation ev = benchmark();
        assertEquals(List.of("A", "B", "C"), ev.proteins());
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(ev.terms()));
    }

    @Test
    void fmaxFollowsCafa() {
        ProteinCentricMetrics.FMax f = ProteinCentricMetrics.fmax(benchmark());
        // t <= .30: A predicts {a,b,c}: precision 2/3, recall 2/2; B {a,c}: 1/2, 1/1; C nothing: recall 0.
        //   precision = (2/3 + 1/2) / 2 proteins with predictions = 7/12; recall = (1 + 1 + 0) / 3 = 2/3;
        //   F = 2 (7/12)(2/3) / (7/12 + 2/3) = 28/45, the maximum, first reached at t = .01; coverage 2/3.
        assertEquals(28.0 / 45, f.fmax(), EPS);
        assertEquals(0.01, f.threshold());
        assertEquals(2.0 / 3, f.coverage(), EPS);
        // t = .40 still predicts b (score .4 >= .4): A {a,b,c} 2/3, B {a} 0 -> precision 1/3, recall (1+0+0)/3.
        assertEquals(1.0 / 3, f.precision()[39], EPS);
        assertEquals(1.0 / 3, f.recall()[39], EPS);
        // t = .41..60: A {a,c}: 1/2, 1/2; B {a}: 0, 0 -> precision 1/4, recall 1/6.
        assertEquals(0.25, f.precision()[40], EPS);
        assertEquals(1.0 / 6, f.recall()[40], EPS);
        // t = .81..90: only A {a}: precision 1 over one protein, recall 1/6, coverage 1/3.
        assertEquals(1.0, f.precision()[80], EPS);
        assertEquals(1.0 / 3, f.coverages()[80], EPS);
        // t > .90: nobody predicts anything, precision undefined.
        assertTrue(Double.isNaN(f.precision()[90]));
        assertEquals(0.0, f.recall()[90]);
    }

    @Test
    void sminFollowsCafa() {
        InformationContent ic = InformationContent.of(Map.of("a", 1.0, "b", 2.0, "c", 3.0));
        ProteinCentricMetrics.SMin s = ProteinCentricMetrics.smin(benchmark(), ic);
        // t <= .30: A misses nothing, wrongly predicts c (mi 3); B predicts a wrongly (mi 1); C misses a (ru 1).
        //   ru = 1/3, mi = 4/3, S = sqrt(1 + 16) / 3 = sqrt(17)/3: the minimum.
        assertEquals(Math.sqrt(17) / 3, s.smin(), EPS);
        assertEquals(0.01, s.threshold());
        // t = .41..60: A misses b (ru 2), predicts c (mi 3); B misses c (ru 3), predicts a (mi 1); C misses a (ru 1).
        assertEquals(2.0, s.remainingUncertainty()[40], EPS);
        assertEquals(4.0 / 3, s.misinformation()[40], EPS);
        // t > .90: ru = (1 + 2) + 3 + 1 over 3 proteins, mi = 0.
        assertEquals(7.0 / 3, s.remainingUncertainty()[99], EPS);
        assertEquals(0.0, s.misinformation()[99]);
    }

    @Test
    void microAndMacroRankingMetrics() {
        MultiLabelEvaluation ev = benchmark();
        // 9 pairs, 4 positive. Ranking: .9(+) .8(-) .6(-) .4(+) .3(+), then 4 pairs at 0 (B b -, C a +, C b -, C c -).
        // AP = 1/4 * 1/1 + 1/4 * 2/4 + 1/4 * 3/5 + 1/4 * 4/9 = 229/360.
        assertEquals(229.0 / 360, RankingMetrics.microAupr(ev), EPS);
        // Positive-over-negative pairs: .9 beats 5, .4 and .3 beat the 3 zeros, C a ties 3 zeros (1.5): 12.5 / 20.
        assertEquals(0.625, RankingMetrics.microAuroc(ev), EPS);
        // Per term: a (.9+ .8- 0+): 1/2 * 1 + 1/2 * 2/3 = 5/6; b (.4+ 0- 0-): 1; c (.6- .3+ 0-): 1/2. Mean 7/9.
        assertEquals(7.0 / 9, RankingMetrics.macroAupr(ev), EPS);
        // AUROC per term: a: +.9 beats -.8, +0 loses: 1/2; b: 1; c: +.3 beats 0, loses to .6: 1/2. Mean 2/3.
        assertEquals(2.0 / 3, RankingMetrics.macroAuroc(ev), EPS);
        // mAP per protein over {a,b,c}: A (.9+ .6- .4+): 1/2 + 1/2 * 2/3 = 5/6; B (.8- .3+ 0-): 1/2; C (all 0, one
        // positive in a tie of 3): 1/3. Mean 5/9.
        assertEquals(5.0 / 9, RankingMetrics.meanAveragePrecision(ev), EPS);
    }

    @Test
    void microCurveStepsThroughDistinctScores() {
        PrecisionRecallCurve curve = RankingMetrics.microCurve(benchmark());
        assertArrayEquals(new double[] {0.9, 0.8, 0.6, 0.4, 0.3, 0.0}, curve.thresholds());
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.5, 0.75, 1.0}, curve.recall(), EPS);
        assertArrayEquals(new double[] {1.0, 0.5, 1.0 / 3, 0.5, 0.6, 4.0 / 9}, curve.precision(), EPS);
    }

    @Test
    void perTermF1AtThresholds() {
        Map<String, Double> thresholds = Map.of("a", 0.85, "b", 0.5, "c", 0.3);
        Map<String, TermThresholdMetrics.TermF1> byTerm = new LinkedHashMap<>();
        TermThresholdMetrics.at(benchmark(), thresholds::get).forEach(t -> byTerm.put(t.term(), t));
        // a at .85: A (.9) predicted and true; C true, unpredicted. TP 1, predicted 1, positives 2: F1 = 2/3.
        assertEquals(2.0 / 3, byTerm.get("a").f1(), EPS);
        assertEquals(0.5, byTerm.get("a").recall(), EPS);
        // b at .5: nothing predicted (A scores .4). Precision undefined, recall 0, F1 0.
        assertTrue(Double.isNaN(byTerm.get("b").precision()));
        assertEquals(0.0, byTerm.get("b").f1());
        // c at .3: A (.6, false) and B (.3, true). Precision 1/2, recall 1, F1 2/3.
        assertEquals(0.5, byTerm.get("c").precision(), EPS);
        assertEquals(2.0 / 3, byTerm.get("c").f1(), EPS);
    }

    @Test
    void restrictingTermsDropsProteinsLeftWithoutAnnotation() {
        // Keep only c: B is the one protein annotated with it; A's prediction of c leaves with A.
        MultiLabelEvaluation onlyC = benchmark().restrictTerms("c"::equals);
        assertEquals(List.of("B"), onlyC.proteins());
        // B predicts c at .3: precision 1, recall 1 for t <= .30.
        ProteinCentricMetrics.FMax f = ProteinCentricMetrics.fmax(onlyC);
        assertEquals(1.0, f.fmax());
        assertEquals(0.01, f.threshold());
    }

    @Test
    void resampledRowsCountEachDraw() {
        // Rows A, A, C: recall at t <= .30 is (1 + 1 + 0) / 3, precision (2/3 + 2/3) / 2 = 2/3; F = 2/3.
        MultiLabelEvaluation resample = benchmark().rows(new int[] {0, 0, 2});
        assertEquals(List.of("A", "A", "C"), resample.proteins());
        assertEquals(2.0 / 3, ProteinCentricMetrics.fmax(resample).fmax(), EPS);
    }

    @Test
    void withoutAnyPredictionFmaxIsZeroWithUndefinedThreshold() {
        MultiLabelEvaluation ev = MultiLabelEvaluation.of(Map.of("A", Set.of("a")), Map.of());
        ProteinCentricMetrics.FMax f = ProteinCentricMetrics.fmax(ev);
        assertEquals(0.0, f.fmax());
        assertTrue(Double.isNaN(f.threshold()));
        assertEquals(0.0, f.coverage());
    }

    @Test
    void thresholdsCompareScoresExactly() {
        // 0.29 * 100 = 28.999999999999996 in binary; a score of exactly 0.29 still passes t = 29/100.
        assertEquals(29, ProteinCentricMetrics.levelsPassed(0.29));
        assertEquals(28, ProteinCentricMetrics.levelsPassed(Math.nextDown(0.29)));
        assertEquals(0, ProteinCentricMetrics.levelsPassed(0.0099));
        assertEquals(100, ProteinCentricMetrics.levelsPassed(1.0));
        assertEquals(100, ProteinCentricMetrics.levelsPassed(7.5));
        assertEquals(0, ProteinCentricMetrics.levelsPassed(-3));
    }
}
