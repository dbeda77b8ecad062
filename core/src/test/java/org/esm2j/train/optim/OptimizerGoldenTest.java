package org.esm2j.train.optim;

import static org.esm2j.train.TrainingGoldens.doubles;
import static org.esm2j.train.TrainingGoldens.floats;
import static org.esm2j.train.TrainingGoldens.list;
import static org.esm2j.train.TrainingGoldens.number;
import static org.esm2j.train.TrainingGoldens.object;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainingGoldens;
import org.junit.jupiter.api.Test;

/**
 * AdamW, SGD and clipping against torch.optim / clip_grad_norm_ in float64 (testdata/training/optim.json). The Java
 * side runs in float32 from the same float32 inputs; after 4-6 steps every parameter must agree within
 * 1e-6 + 1e-6 |p| (the float32 rounding of a handful of multiply-adds per step, on parameters of order 1).
 */
class OptimizerGoldenTest {
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-6;
    private static final Map<String, Object> GOLDEN = TrainingGoldens.read("optim.json");
    private static final ParameterLayout LAYOUT = TrainingGoldens.layout(list(GOLDEN, "layout"));

    @Test
    void adamwDecayingEverythingMatchesTorch() {
        Map<String, Object> c = optimizerCase("adamw_decay_all");
        List<ParameterGroup> groups = ParameterGroups.decayAll(LAYOUT, 1e-2, 0.1);
        assertGroups(c, groups);
        replay("adamw_decay_all", c, new AdamW(LAYOUT, groups, 0.9, 0.999, 1e-8));
    }

    @Test
    void adamwWithHeadLayerwiseAndNoDecayGroupsMatchesTorch() {
        Map<String, Object> c = optimizerCase("adamw_groups");
        List<ParameterGroup> groups = ParameterGroups.builder(1e-2, 0.05).noDecayOnBiasAndLayerNorm()
                .noDecayOnEmbeddings().headLearningRate(5e-2).layerwiseDecay(2, 0.8).build(LAYOUT);
        assertGroups(c, groups);
        replay("adamw_groups", c, new AdamW(LAYOUT, groups, 0.8, 0.99, 1e-6));
    }

    @Test
    void adamwWithBeta1ChangingEveryStepMatchesTorch() {
        Map<String, Object> c = optimizerCase("adamw_cycled_beta1");
        replay("adamw_cycled_beta1", c, new AdamW(LAYOUT, ParameterGroups.decayAll(LAYOUT, 3e-3, 0.01), 0.95, 0.999,
                1e-8));
    }

    @Test
    void sgdVariantsMatchTorch() {
        replay("sgd_plain", optimizerCase("sgd_plain"),
                new Sgd(LAYOUT, ParameterGroups.decayAll(LAYOUT, 0.1, 0.0), 0.0, 0.0, false));
        replay("sgd_momentum_dampening_wd", optimizerCase("sgd_momentum_dampening_wd"),
                new Sgd(LAYOUT, ParameterGroups.decayAll(LAYOUT, 0.1, 0.01), 0.9, 0.1, false));
        replay("sgd_nesterov_wd", optimizerCase("sgd_nesterov_wd"),
                new Sgd(LAYOUT, ParameterGroups.decayAll(LAYOUT, 0.1, 0.01), 0.9, 0.0, true));
    }

    @Test
    void clippingScalesOnlyTrainableGradientsAndReturnsTheNormBeforeClipping() {
        for (String name : List.of("clipped", "unclipped")) {
            Map<String, Object> c = object(object(GOLDEN, "clipping"), name);
            float[] grads = floats(c.get("grads"));
            double total = GradientClipping.clipGlobalNorm(LAYOUT, grads, number(c, "max_norm"));
            assertEquals(number(c, "total_norm"), total, 1e-6 * number(c, "total_norm"), name + " total norm");
            NumericAssert.assertClose(name + " clipped gradients", grads, floats(c.get("clipped")), 1e-7, 1e-6);
        }
    }

    @Test
    void exportedStateResumesBitForBit() {
        List<ParameterGroup> groups = ParameterGroups.builder(1e-2, 0.05).noDecayOnBiasAndLayerNorm()
                .headLearningRate(5e-2).build(LAYOUT);
        assertResumes(() -> new AdamW(LAYOUT, groups));
        assertResumes(() -> new Sgd(LAYOUT, groups, 0.9, 0.1, false));
    }

    @Test
    void importRejectsStateOfAnotherShape() {
        AdamW adamw = new AdamW(LAYOUT, ParameterGroups.decayAll(LAYOUT, 1e-3, 0.0));
        Map<String, Tensor> state = new java.util.HashMap<>(adamw.exportState());
        state.put(AdamW.EXP_AVG, Tensor.ofFloats(new float[3], 3));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> adamw.importState(state));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(AdamW.EXP_AVG), e.getMessage());
    }

    /** Two steps, export, import into a fresh optimizer, the remaining steps: equal to running straight through. */
    private static void assertResumes(java.util.function.Supplier<Optimizer> make) {
        Map<String, Object> c = optimizerCase("adamw_groups");
        List<Object> grads = list(c, "grads");
        Optimizer straight = make.get();
        Optimizer first = make.get();
        float[] p1 = floats(c.get("params0"));
        float[] p2 = p1.clone();
        for (int s = 0; s < 2; s++) {
            straight.step(p1, floats(grads.get(s)));
            first.step(p2, floats(grads.get(s)));
        }
        first.setLearningRate(1, 0.123);
        straight.setLearningRate(1, 0.123);
        Optimizer resumed = make.get();
        resumed.importState(first.exportState());
        assertEquals(2, resumed.steps());
        assertEquals(0.123, resumed.learningRate(1));
        for (int s = 2; s < grads.size(); s++) {
            straight.step(p1, floats(grads.get(s)));
            resumed.step(p2, floats(grads.get(s)));
        }
        assertArrayEquals(p1, p2, "resumed run must equal the uninterrupted one bit for bit");
    }

    private static Map<String, Object> optimizerCase(String name) {
        return object(object(GOLDEN, "optimizers"), name);
    }

    /** The builder's groups are the ones the script derived independently from the same rules. */
    @SuppressWarnings("unchecked")
    private static void assertGroups(Map<String, Object> c, List<ParameterGroup> groups) {
        List<Object> expected = list(c, "groups");
        assertEquals(expected.size(), groups.size(), "number of groups: " + groups);
        for (int g = 0; g < groups.size(); g++) {
            Map<String, Object> e = (Map<String, Object>) expected.get(g);
            assertEquals(new ArrayList<>((List<Object>) e.get("entries")), groups.get(g).entries(), "entries " + g);
            assertEquals(number(e, "lr"), groups.get(g).lr(), 1e-15, "lr of group " + g);
            assertEquals(number(e, "weight_decay"), groups.get(g).weightDecay(), 0, "decay of group " + g);
        }
    }

    private static void replay(String name, Map<String, Object> c, Optimizer optimizer) {
        float[] params = floats(c.get("params0"));
        List<Object> grads = list(c, "grads");
        List<Object> expected = list(c, "params");
        double[] factors = doubles(c.get("lr_factors"));
        double[] beta1 = c.containsKey("beta1_per_step") ? doubles(c.get("beta1_per_step")) : null;
        for (int s = 0; s < grads.size(); s++) {
            for (int g = 0; g < optimizer.groups().size(); g++) {
                optimizer.setLearningRate(g, optimizer.groups().get(g).lr() * factors[s]);
                if (beta1 != null) {
                    optimizer.setMomentum(g, beta1[s]);
                }
            }
            optimizer.step(params, floats(grads.get(s)));
            NumericAssert.assertClose(name + " step " + (s + 1), params, floats(expected.get(s)), ATOL, RTOL);
        }
        assertEquals(grads.size(), optimizer.steps());
    }

    /**
     * Frozen entries have no optimizer state, as in PyTorch: with a frozen tensor between two trained ones, AdamW's
     * and SGD's state buffers hold the trained elements only, the trained tensors move exactly as in a layout without
     * the frozen one, the frozen one does not move, and a checkpoint of that state restores.
     */
    @Test
    void frozenEntriesGetNoStateAndDoNotShiftTheOthers() {
        ParameterLayout withFrozen = ParameterLayout.builder().add("a", new long[] {3}, true)
                .add("frozen", new long[] {5}, false).add("c", new long[] {2}, true).build();
        ParameterLayout trainedOnly = ParameterLayout.builder().add("a", new long[] {3}, true)
                .add("c", new long[] {2}, true).build();
        List<ParameterGroup> groups = List.of(new ParameterGroup("all", List.of("a", "c"), 0.1, 0.01));
        float[] p1 = {0.5f, -1f, 2f, 9f, 9f, 9f, 9f, 9f, 0.25f, -0.75f};
        float[] g1 = {0.1f, 0.2f, -0.3f, 7f, 7f, 7f, 7f, 7f, 0.4f, -0.5f};
        float[] p2 = {0.5f, -1f, 2f, 0.25f, -0.75f};
        float[] g2 = {0.1f, 0.2f, -0.3f, 0.4f, -0.5f};
        GroupedOptimizer[][] pairs = {
            {new AdamW(withFrozen, groups), new AdamW(trainedOnly, groups)},
            {new Sgd(withFrozen, groups, 0.9, 0, true), new Sgd(trainedOnly, groups, 0.9, 0, true)}};
        for (GroupedOptimizer[] pair : pairs) {
            float[] a = p1.clone();
            float[] b = p2.clone();
            for (int step = 0; step < 3; step++) {
                pair[0].step(a, g1);
                pair[1].step(b, g2);
            }
            assertArrayEquals(b, new float[] {a[0], a[1], a[2], a[8], a[9]}, "trained entries");
            assertArrayEquals(new float[] {9f, 9f, 9f, 9f, 9f}, java.util.Arrays.copyOfRange(a, 3, 8), "frozen entry");
            for (float[] buffer : pair[0].stateBuffers().values()) {
                assertEquals(5, buffer.length, "state elements");
            }
            pair[1].importState(pair[0].exportState());
            assertEquals(pair[0].steps(), pair[1].steps());
        }
    }
}
