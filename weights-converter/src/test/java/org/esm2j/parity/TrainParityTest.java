package org.esm2j.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.model.Esm2Weights;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.PaddedBatch;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.esm2j.train.head.LinearHead;
import org.esm2j.train.head.MeanPooling;
import org.esm2j.train.head.PackedSequences;
import org.esm2j.train.head.SequenceClassifier;
import org.esm2j.train.loss.BceWithLogitsLoss;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.GradientClipping;
import org.esm2j.train.optim.ParameterGroups;
import org.esm2j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CPU trainer against fair-esm + PyTorch autograd in float64 (train.safetensors of the tiny fixture model; see
 * testdata/fixtures/README.md). Tolerances from there: losses relative 1e-5; each gradient tensor max|diff| <= 1e-4 *
 * max(1, max|ref|). Max abs and rel errors are printed for every tensor.
 */
class TrainParityTest {
    private static final double LOSS_RTOL = 1e-5;
    private static final double GRAD_TOL = 1e-4;

    private static Esm2Weights weights;
    private static Golden train;

    @BeforeAll
    static void load() {
        weights = CheckpointLoader.load(Fixtures.metaCheckpoint(Fixtures.TINY)).weights();
        train = Golden.read(Fixtures.model(Fixtures.TINY).resolve("train.safetensors"));
    }

    private static List<int[]> sequences(String key) {
        Tensor t = train.tensor(key);
        long[] shape = t.shape();
        return PaddedBatch.sequences(t.toIntArray(), (int) shape[0], (int) shape[1]);
    }

    private static List<int[]> mlmTargets(List<int[]> seqs) {
        Tensor t = train.tensor("mlm.targets");
        return PaddedBatch.alignedTo(seqs, t.toIntArray(), (int) t.shape()[1]);
    }

    private static double meta(String key) {
        return ((Number) train.meta(key)).doubleValue();
    }

    private static void assertLoss(String what, double actual, double expected) {
        double rel = Math.abs(actual - expected) / Math.abs(expected);
        System.out.printf("%s: %.9f vs reference %.9f, rel error %.3e%n", what, actual, expected, rel);
        assertTrue(rel <= LOSS_RTOL, what + ": relative error " + rel + " > " + LOSS_RTOL);
    }

    /** The README's per-tensor gradient tolerance: max|diff| <= 1e-4 * max(1, max|ref|). */
    static NumericAssert.Comparison assertGradient(String what, float[] actual, float[] expected) {
        double maxRef = 0;
        for (float e : expected) {
            maxRef = Math.max(maxRef, Math.abs(e));
        }
        return NumericAssert.assertClose(what, actual, expected, GRAD_TOL * Math.max(1, maxRef), 0);
    }

    /** One MLM forward and backward pass of the fully trainable fixture model on the fixture batch. */
    private record MlmStep(double loss, TrainableModel model) {
        static MlmStep run(TrainerOptions options) {
            TrainableModel model = TrainableModel.of(weights);
            List<int[]> seqs = sequences("mlm.tokens");
            try (Esm2Trainer trainer = new CpuBackend().trainer(model, options)) {
                trainer.forward(seqs);
                double loss = trainer.maskedLmLoss(mlmTargets(seqs));
                trainer.backward();
                return new MlmStep(loss, model);
            }
        }
    }

    @Test
    void maskedLmLossAndEveryGradient() {
        MlmStep step = MlmStep.run(TrainerOptions.defaults());
        TrainableModel model = step.model();
        assertLoss("mlm loss", step.loss(), meta("mlm.loss"));
        int compared = 0;
        double worstRatio = 0;
        double sumSquares = 0;
        for (ParameterEntry e : model.layout().entries()) {
            String key = "mlm.grad." + e.name();
            if (!e.trainable()) {
                assertTrue(!train.has(key), e.name() + " is frozen but the reference has a gradient");
                continue;
            }
            float[] g = model.gradient(e.name());
            worstRatio = Math.max(worstRatio, assertGradient("mlm grad " + e.name(), g, train.floats(key))
                    .worstRatio());
            for (float v : g) {
                sumSquares += (double) v * v;
            }
            compared++;
        }
        assertEquals(train.keys().stream().filter(k -> k.startsWith("mlm.grad.")).count(), compared,
                "every reference gradient compared");
        assertLoss("gradient norm before clipping", Math.sqrt(sumSquares), meta("mlm.grad_norm_before_clip"));
        System.out.printf("mlm: %d gradient tensors, worst %.1f%% of the allowed error%n", compared,
                100 * worstRatio);
    }

    @Test
    void recomputingLayersGivesTheSameGradientBits() {
        MlmStep saved = MlmStep.run(TrainerOptions.defaults());
        MlmStep recomputed = MlmStep.run(new TrainerOptions(true, 0));
        assertEquals(saved.loss(), recomputed.loss());
        assertArrayEquals(saved.model().gradients(), recomputed.model().gradients());
    }

    @Test
    void loraLossAndAdapterGradients() {
        LoraConfig config = new LoraConfig(4, 8, 0, EnumSet.of(LoraTarget.Q, LoraTarget.V));
        TrainableModel model = TrainableModel.builder(weights).lora(config, 1).build();
        for (String name : adapterNames(model)) {
            model.setValues(name, train.floats("lora.init." + pefName(name)));
        }
        List<int[]> seqs = sequences("mlm.tokens");
        double loss;
        try (Esm2Trainer trainer = new CpuBackend().trainer(model, TrainerOptions.defaults())) {
            trainer.forward(seqs);
            loss = trainer.maskedLmLoss(mlmTargets(seqs));
            trainer.backward();
        }
        assertLoss("lora loss", loss, meta("lora.loss"));
        List<String> adapters = adapterNames(model);
        assertEquals(8, adapters.size());
        int trainable = 0;
        for (String name : adapters) {
            assertGradient("lora grad " + name, model.gradient(name), train.floats("lora.grad." + pefName(name)));
            trainable += model.layout().entry(name).length();
        }
        assertEquals(meta("lora.trainable_params"), trainable);
        for (ParameterEntry e : model.layout().entries()) {
            if (!e.trainable()) {
                for (float g : model.gradient(e.name())) {
                    assertEquals(0f, g, "frozen " + e.name() + " got a gradient");
                }
            }
        }
    }

    private static List<String> adapterNames(TrainableModel model) {
        List<String> out = new ArrayList<>();
        for (ParameterEntry e : model.layout().entries()) {
            if (e.name().contains(".lora_")) {
                out.add(e.name());
            }
        }
        return out;
    }

    /** PEFT's in-memory key for one of our adapter tensors: {@code ...lora_A} becomes {@code ...lora_A.default.weight}. */
    private static String pefName(String name) {
        return name + ".default.weight";
    }

    @Test
    void pooledMultiLabelClassifierLossAndGradients() {
        float[] headWeight = train.floats("cls.head.weight"); // (C, D)
        int classes = train.floats("cls.head.bias").length;
        int d = weights.config().embedDim();
        SequenceClassifier classifier = new SequenceClassifier(new MeanPooling(), new LinearHead("head", d, classes));
        TrainableModel model = TrainableModel.builder(weights).extend(classifier::declare).build();
        model.setValues("head.weight", headWeight);
        model.setValues("head.bias", train.floats("cls.head.bias"));
        List<int[]> seqs = sequences("cls.tokens");
        BceWithLogitsLoss bce = new BceWithLogitsLoss(classes, train.floats("cls.pos_weight"));
        try (Esm2Trainer trainer = new CpuBackend().trainer(model, TrainerOptions.defaults())) {
            PackedRepresentation rep = trainer.forward(seqs);
            float[] logits = classifier.forward(model.layout(), model.parameters(), rep.values(),
                    PackedSequences.of(seqs.toArray(new int[0][])));
            assertGradient("cls logits", logits, train.floats("cls.logits"));
            float[] dLogits = new float[logits.length];
            double loss = bce.compute(logits, train.floats("cls.labels"), seqs.size(), dLogits);
            assertLoss("cls loss", loss, meta("cls.loss"));
            classifier.backward(model.layout(), model.parameters(), model.gradients(), dLogits, rep.gradient());
            trainer.backward();
        }
        assertGradient("cls head grad weight", model.gradient("head.weight"), train.floats("cls.head.grad.weight"));
        assertGradient("cls head grad bias", model.gradient("head.bias"), train.floats("cls.head.grad.bias"));
        int compared = 0;
        for (String key : train.keys()) {
            if (key.startsWith("cls.grad.")) {
                String name = key.substring("cls.grad.".length());
                assertGradient("cls grad " + name, model.gradient(name), train.floats(key));
                compared++;
            }
        }
        long backbone = model.layout().trainable().stream()
                .filter(e -> !e.name().startsWith("lm_head.") && !e.name().startsWith("head.")).count();
        assertEquals(backbone, compared, "a reference gradient for every trainable tensor below the LM head");
        for (String lmOnly : List.of(Esm2Weights.LM_HEAD_BIAS, Esm2Weights.LM_HEAD_DENSE_WEIGHT)) {
            for (float g : model.gradient(lmOnly)) {
                assertEquals(0f, g, lmOnly + " has a gradient without the LM loss");
            }
        }
    }

    /**
     * One full step as the fixture made it: MLM gradients, global-norm clipping at 1.0, then
     * {@code torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)} over every parameter. The
     * contact head gets no gradient, so AdamW leaves it as it was (it is frozen here and absent from the groups).
     */
    @Test
    void everyParameterAfterClippingAndOneAdamWStep() {
        TrainableModel model = MlmStep.run(TrainerOptions.defaults()).model();
        @SuppressWarnings("unchecked")
        Map<String, Object> adamw = (Map<String, Object>) train.meta("adamw");
        double lr = ((Number) adamw.get("lr")).doubleValue();
        @SuppressWarnings("unchecked")
        List<Number> betas = (List<Number>) adamw.get("betas");
        double norm = GradientClipping.clipGlobalNorm(model.layout(), model.gradients(),
                ((Number) adamw.get("clip_norm")).doubleValue());
        assertLoss("norm returned by clipping", norm, meta("mlm.grad_norm_before_clip"));
        AdamW optimizer = new AdamW(model.layout(),
                ParameterGroups.decayAll(model.layout(), lr, ((Number) adamw.get("weight_decay")).doubleValue()),
                betas.get(0).doubleValue(), betas.get(1).doubleValue(), ((Number) adamw.get("eps")).doubleValue());
        optimizer.step(model.parameters(), model.gradients());
        int compared = 0;
        double worstRatio = 0;
        for (String key : train.keys()) {
            if (key.startsWith("mlm.after_adamw.")) {
                String name = key.substring("mlm.after_adamw.".length());
                worstRatio = Math.max(worstRatio, assertGradient("after AdamW " + name, model.values(name),
                        train.floats(key)).worstRatio());
                compared++;
            }
        }
        assertEquals(model.layout().entries().size(), compared, "every parameter compared");
        System.out.printf("after AdamW: %d tensors, worst %.1f%% of the allowed error%n", compared, 100 * worstRatio);
    }
}
