package org.esm2j.train.loss;

import static org.esm2j.train.TrainingGoldens.doubles;
import static org.esm2j.train.TrainingGoldens.floats;
import static org.esm2j.train.TrainingGoldens.ints;
import static org.esm2j.train.TrainingGoldens.number;
import static org.esm2j.train.TrainingGoldens.object;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainingGoldens;
import org.junit.jupiter.api.Test;

/**
 * Every loss and its input gradient against PyTorch autograd in float64 (testdata/training/loss.json; focal loss is
 * written from its formula there and checked against finite differences with gradcheck). Losses accumulate in double
 * from float32 inputs, so the value must agree within 1e-12 relative; gradients are rounded to float32 once, so within
 * 1e-9 + 1e-6 relative.
 */
class LossGoldenTest {
    private static final Map<String, Object> LOSSES = object(TrainingGoldens.read("loss.json"), "losses");
    private static final double LOSS_RTOL = 1e-12;
    private static final double GRAD_ATOL = 1e-9;
    private static final double GRAD_RTOL = 1e-6;

    @Test
    void bceWithLogitsWithAndWithoutPosWeight() {
        for (String name : new String[] {"bce", "bce_pos_weight"}) {
            Map<String, Object> c = object(LOSSES, name);
            int rows = (int) number(c, "rows");
            int classes = (int) number(c, "classes");
            float[] posWeight = c.get("pos_weight") == null ? null : floats(c.get("pos_weight"));
            float[] grad = new float[rows * classes];
            double loss = new BceWithLogitsLoss(classes, posWeight).compute(floats(c.get("logits")),
                    floats(c.get("targets")), rows, grad);
            check(name, c, loss, grad);
        }
    }

    @Test
    void focalLossVariants() {
        for (String name : new String[] {"focal_default", "focal_no_alpha", "focal_gamma0"}) {
            Map<String, Object> c = object(LOSSES, name);
            int rows = (int) number(c, "rows");
            int classes = (int) number(c, "classes");
            float[] grad = new float[rows * classes];
            double loss = new FocalLoss(classes, number(c, "alpha"), number(c, "gamma"))
                    .compute(floats(c.get("logits")), floats(c.get("targets")), rows, grad);
            check(name, c, loss, grad);
        }
    }

    @Test
    void focalGradientMatchesFiniteDifferencesOfItsOwnValue() {
        Map<String, Object> c = object(LOSSES, "focal_default");
        int rows = (int) number(c, "rows");
        int classes = (int) number(c, "classes");
        FocalLoss focal = new FocalLoss(classes);
        float[] logits = floats(c.get("logits"));
        float[] targets = floats(c.get("targets"));
        float[] grad = new float[logits.length];
        focal.compute(logits, targets, rows, grad);
        float[] scratch = new float[logits.length];
        float[] numeric = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            float x = logits[i];
            float h = Math.max(1e-3f, Math.abs(x) * 1e-3f);
            logits[i] = x + h;
            double plus = focal.compute(logits, targets, rows, scratch);
            logits[i] = x - h;
            double minus = focal.compute(logits, targets, rows, scratch);
            logits[i] = x;
            numeric[i] = (float) ((plus - minus) / ((double) (x + h) - (x - h)));
        }
        // central differences with h ~ 1e-3 have O(h^2) truncation error on a smooth function of size ~1
        NumericAssert.assertClose("focal gradient vs finite differences", grad, numeric, 1e-6, 1e-3);
    }

    @Test
    void crossEntropyWithWeightsSmoothingAndIgnoredRows() {
        for (String name : new String[] {"ce", "ce_smoothing", "ce_weight", "ce_weight_smoothing"}) {
            Map<String, Object> c = object(LOSSES, name);
            int rows = (int) number(c, "rows");
            int classes = (int) number(c, "classes");
            float[] weight = c.get("weight") == null ? null : floats(c.get("weight"));
            float[] grad = new float[rows * classes];
            double loss = new CrossEntropyLoss(classes, weight, number(c, "label_smoothing"))
                    .compute(floats(c.get("logits")), ints(c.get("targets")), rows, grad);
            check(name, c, loss, grad);
        }
    }

    @Test
    void maskedLmScoresOnlySelectedPositions() {
        Map<String, Object> c = object(LOSSES, "mlm");
        int[] targets = ints(c.get("targets"));
        float[] grad = new float[targets.length * 33];
        double loss = new MaskedLmLoss().compute(floats(c.get("logits")), targets, grad);
        check("mlm", c, loss, grad);
    }

    @Test
    void regressionLosses() {
        Map<String, Object> c = object(LOSSES, "mse");
        float[] grad = new float[floats(c.get("predictions")).length];
        check("mse", c, new MseLoss().compute(floats(c.get("predictions")), floats(c.get("targets")), grad), grad);
        for (String name : new String[] {"huber", "huber_delta"}) {
            c = object(LOSSES, name);
            double loss = new HuberLoss(number(c, "delta")).compute(floats(c.get("predictions")),
                    floats(c.get("targets")), grad);
            check(name, c, loss, grad);
        }
    }

    @Test
    void uncertaintyWeightingGivesTaskScalesAndLogVarianceGradient() {
        Map<String, Object> c = object(LOSSES, "uncertainty");
        MultiTaskLoss loss = MultiTaskLoss.uncertainty(3);
        ParameterLayout.Builder b = ParameterLayout.builder().add("classifier.weight", new long[] {2}, true);
        loss.declare(b);
        ParameterLayout layout = b.build();
        float[] params = new float[layout.size()];
        float[] grads = new float[layout.size()];
        int at = layout.entry(MultiTaskLoss.LOG_VARIANCE).offset();
        float[] s = floats(c.get("log_variance"));
        System.arraycopy(s, 0, params, at, 3);
        MultiTaskLoss.Combined combined = loss.combine(doubles(c.get("task_losses")), layout, params, grads);
        assertEquals(number(c, "loss"), combined.loss(), 1e-12 * Math.abs(number(c, "loss")));
        assertArrayEquals(doubles(c.get("task_scales")), combined.taskScales(), 1e-12);
        float[] gradS = new float[3];
        System.arraycopy(grads, at, gradS, 0, 3);
        NumericAssert.assertClose("d L / d s", gradS, floats(c.get("grad_log_variance")), GRAD_ATOL, GRAD_RTOL);
        assertEquals(0f, grads[0], "other gradients untouched");

        MultiTaskLoss fixed = MultiTaskLoss.fixed(0.5, 2.0);
        MultiTaskLoss.Combined f = fixed.combine(new double[] {3.0, 0.25}, null, null, null);
        assertEquals(2.0, f.loss(), 1e-15);
        assertArrayEquals(new double[] {0.5, 2.0}, f.taskScales());
    }

    @Test
    void posWeightsFromALabelMatrix() {
        Map<String, Object> c = object(LOSSES, "pos_weight");
        int rows = (int) number(c, "rows");
        int classes = (int) number(c, "classes");
        float[] labels = floats(c.get("labels"));
        NumericAssert.assertClose("neg/pos clipped", PosWeights.fromLabels(labels, rows, classes,
                PosWeights.Scaling.RATIO, number(c, "max")), floats(c.get("ratio")), 0, 1e-7);
        NumericAssert.assertClose("sqrt(neg/pos) clipped", PosWeights.fromLabels(labels, rows, classes,
                PosWeights.Scaling.SQRT, number(c, "max")), floats(c.get("sqrt")), 0, 1e-7);
    }

    @Test
    void badArgumentsAreNamed() {
        CrossEntropyLoss ce = new CrossEntropyLoss(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ce.compute(new float[6], new int[] {0, 3}, 2, new float[6]));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new BceWithLogitsLoss(2).compute(new float[4], new float[3], 2, new float[4]));
        assertTrue(e.getMessage().contains("targets"), e.getMessage());
        float[] grad = {9f, 9f, 9f};
        assertEquals(0.0, ce.compute(new float[3], new int[] {-100}, 1, grad));
        assertArrayEquals(new float[3], grad, "all-ignored batch gives a zero gradient");
    }

    private static void check(String name, Map<String, Object> c, double loss, float[] grad) {
        double expected = number(c, "loss");
        assertEquals(expected, loss, LOSS_RTOL * Math.abs(expected) + 1e-15, name + " loss");
        NumericAssert.assertClose(name + " gradient", grad, floats(c.get("grad")), GRAD_ATOL, GRAD_RTOL);
    }
}
