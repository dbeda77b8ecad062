package org.esm2j.train.schedule;

import static org.esm2j.train.TrainingGoldens.doubles;
import static org.esm2j.train.TrainingGoldens.list;
import static org.esm2j.train.TrainingGoldens.number;
import static org.esm2j.train.TrainingGoldens.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainingGoldens;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.Optimizer;
import org.esm2j.train.optim.ParameterGroup;
import org.junit.jupiter.api.Test;

/**
 * Every schedule against PyTorch's schedulers over a range of steps (testdata/training/schedule.json), driven through
 * a two-group AdamW as a training loop would: apply the schedule, step. Learning rates are computed in double, so they
 * must agree within 1e-12 relative (a factor times the base rate versus torch's direct formula).
 */
class ScheduleGoldenTest {
    private static final double RTOL = 1e-12;
    private static final Map<String, Object> SCHEDULES = object(TrainingGoldens.read("schedule.json"), "schedules");

    @Test
    void warmupThenLinearOrCosineDecay() {
        for (String name : List.of("linear", "cosine", "linear_no_warmup", "cosine_no_warmup")) {
            Map<String, Object> c = object(SCHEDULES, name);
            long warmup = (long) number(c, "warmup");
            long total = (long) number(c, "total");
            LrSchedule schedule = name.startsWith("linear") ? WarmupSchedule.linear(warmup, total)
                    : WarmupSchedule.cosine(warmup, total);
            replay(name, c, schedule, null);
        }
    }

    @Test
    void oneCycleLearningRateAndBeta1() {
        for (String name : List.of("one_cycle_default", "one_cycle_three_phase_linear")) {
            Map<String, Object> c = object(SCHEDULES, name);
            long total = (long) number(c, "total");
            OneCycleLr schedule = name.equals("one_cycle_default") ? new OneCycleLr(total)
                    : new OneCycleLr(total, number(c, "pct_start"), (Boolean) c.get("cosine"),
                            number(c, "div_factor"), number(c, "final_div_factor"), (Boolean) c.get("three_phase"),
                            true, 0.85, 0.95);
            replay(name, c, schedule, doubles(c.get("beta1")));
        }
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLr(10).factor(11));
    }

    @Test
    void constantScheduleIsOneAfterWarmup() {
        assertEquals(1.0, WarmupSchedule.constant().factor(0));
        assertEquals(0.5, WarmupSchedule.constant(4).factor(2));
        assertEquals(1.0, WarmupSchedule.constant(4).factor(1000));
    }

    @Test
    void reduceOnPlateauFollowsTheMetricSequence() {
        Map<String, Object> c = object(SCHEDULES, "plateau_min_rel");
        replayPlateau("plateau_min_rel", c, new ReduceLrOnPlateau(MetricMode.MIN, number(c, "factor"),
                (int) number(c, "patience"), number(c, "threshold"), true, (int) number(c, "cooldown"),
                doubles(c.get("min_lr"))));
        c = object(SCHEDULES, "plateau_max_abs");
        replayPlateau("plateau_max_abs", c, new ReduceLrOnPlateau(MetricMode.MAX, number(c, "factor"),
                (int) number(c, "patience"), number(c, "threshold"), false, (int) number(c, "cooldown"),
                doubles(c.get("min_lr"))));
    }

    @Test
    void reduceOnPlateauStateResumes() {
        Map<String, Object> c = object(SCHEDULES, "plateau_min_rel");
        double[] metrics = doubles(c.get("metrics"));
        ReduceLrOnPlateau straight = plateau(c);
        ReduceLrOnPlateau first = plateau(c);
        Optimizer a = optimizer(0.1, 0.02);
        Optimizer b = optimizer(0.1, 0.02);
        for (int i = 0; i < 5; i++) {
            straight.step(metrics[i], a);
            first.step(metrics[i], b);
        }
        ReduceLrOnPlateau resumed = plateau(c);
        resumed.importState(first.exportState());
        for (int i = 5; i < metrics.length; i++) {
            assertEquals(straight.step(metrics[i], a), resumed.step(metrics[i], b), "reduction at metric " + i);
        }
        assertEquals(a.learningRate(0), b.learningRate(0));
    }

    /**
     * Patience 2, min delta 0.05, mode min: 1.0 (best), 0.97 (within delta: 1 without improvement), 0.90 (best),
     * 0.88 (1), 0.86 (2: stop).
     */
    @Test
    void earlyStoppingCountsResultsWithoutAnImprovementBeyondMinDelta() {
        EarlyStopping stop = new EarlyStopping(MetricMode.MIN, 2, 0.05);
        assertFalse(stop.update(1.0));
        assertTrue(stop.lastImproved());
        assertFalse(stop.update(0.97));
        assertFalse(stop.lastImproved());
        assertFalse(stop.update(0.90));
        assertTrue(stop.lastImproved());
        assertFalse(stop.update(0.88));
        assertTrue(stop.update(0.86));
        assertEquals(0.90, stop.best());

        EarlyStopping max = new EarlyStopping(MetricMode.MAX, 1, 0.0);
        assertFalse(max.update(0.5));
        assertTrue(max.update(Double.NaN), "NaN never improves");
        EarlyStopping restored = new EarlyStopping(MetricMode.MAX, 1, 0.0);
        restored.importState(max.exportState());
        assertTrue(restored.shouldStop());
    }

    private static ReduceLrOnPlateau plateau(Map<String, Object> c) {
        return new ReduceLrOnPlateau(MetricMode.MIN, number(c, "factor"), (int) number(c, "patience"),
                number(c, "threshold"), true, (int) number(c, "cooldown"), doubles(c.get("min_lr")));
    }

    private static Optimizer optimizer(double... lrs) {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (int g = 0; g < lrs.length; g++) {
            b.add("p" + g, new long[] {1}, true);
        }
        ParameterLayout layout = b.build();
        ParameterGroup[] groups = new ParameterGroup[lrs.length];
        for (int g = 0; g < lrs.length; g++) {
            groups[g] = new ParameterGroup("g" + g, List.of("p" + g), lrs[g], 0.0);
        }
        return new AdamW(layout, List.of(groups));
    }

    private static void replay(String name, Map<String, Object> c, LrSchedule schedule, double[] beta1) {
        List<Object> expected = list(c, "lr");
        double[] base = doubles(c.containsKey("base_lr") ? c.get("base_lr") : c.get("max_lr"));
        Optimizer optimizer = optimizer(base);
        float[] params = new float[2];
        for (int s = 0; s < expected.size(); s++) {
            schedule.apply(optimizer);
            double[] lr = doubles(expected.get(s));
            for (int g = 0; g < lr.length; g++) {
                assertEquals(lr[g], optimizer.learningRate(g), RTOL * lr[g] + 1e-300,
                        name + " lr of group " + g + " before step " + (s + 1));
                if (beta1 != null) {
                    assertEquals(beta1[s], optimizer.momentum(g), 1e-12, name + " beta1 before step " + (s + 1));
                }
            }
            optimizer.step(params, new float[2]);
        }
    }

    private static void replayPlateau(String name, Map<String, Object> c, ReduceLrOnPlateau plateau) {
        List<Object> expected = list(c, "lr");
        double[] metrics = doubles(c.get("metrics"));
        Optimizer optimizer = optimizer(doubles(c.get("base_lr")));
        for (int s = 0; s <= metrics.length; s++) {
            double[] lr = doubles(expected.get(s));
            for (int g = 0; g < lr.length; g++) {
                assertEquals(lr[g], optimizer.learningRate(g), RTOL * lr[g], name + " lr of group " + g
                        + " after " + s + " validations");
            }
            if (s < metrics.length) {
                plateau.step(metrics[s], optimizer);
            }
        }
    }
}
