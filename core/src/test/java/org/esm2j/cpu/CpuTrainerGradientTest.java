package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.junit.jupiter.api.Test;

/**
 * Every parameter gradient of the whole model (embedding with token dropout, LayerNorms, rotary attention, GELU,
 * linears, tied LM head, LoRA adapters) against central finite differences of {@link ReferenceTraining}, the float64
 * transcription of fair-esm, on random models with head_dim 16 (two heads) and 64 (one head). The batch packs
 * sequences of odd lengths, with {@code <mask>} tokens, and of one token. The loss is the masked-LM cross-entropy plus
 * a fixed random linear function of the final representation (fed in through the representation-gradient entry point,
 * as heads do). Tolerance per tensor: |analytic - fd| <= 1e-4 * max(1, max |analytic gradient|), the fixture README's
 * gradient rule; sampled coordinates are the tensor's largest gradient plus random ones.
 */
class CpuTrainerGradientTest {
    private static final double STEP = 1e-6;
    private static final int SAMPLES_PER_TENSOR = 5;
    private static final double TOL = 1e-4;

    private static List<int[]> batch(Random rnd) {
        List<int[]> out = new ArrayList<>();
        out.add(sequence(rnd, 7, 2));
        out.add(new int[] {4 + rnd.nextInt(20)}); // one token
        out.add(sequence(rnd, 4, 1));
        out.add(sequence(rnd, 2, 0));
        return out;
    }

    private static int[] sequence(Random rnd, int length, int masks) {
        int[] t = new int[length];
        for (int i = 0; i < length; i++) {
            t[i] = 4 + rnd.nextInt(20);
        }
        t[0] = Alphabet.CLS;
        t[length - 1] = Alphabet.EOS;
        for (int m = 0; m < masks; m++) {
            t[1 + m] = Alphabet.MASK;
        }
        return t;
    }

    /** Scores the masked positions, one other residue per sequence and the one-token sequence. */
    private static List<int[]> targets(List<int[]> tokens, Random rnd) {
        List<int[]> out = new ArrayList<>();
        for (int[] seq : tokens) {
            int[] t = new int[seq.length];
            Arrays.fill(t, -100);
            for (int i = 0; i < seq.length; i++) {
                if (seq[i] == Alphabet.MASK || seq.length == 1 || i == seq.length / 2) {
                    t[i] = 4 + rnd.nextInt(20);
                }
            }
            out.add(t);
        }
        return out;
    }

    private static float[] reprWeights(int rows, int d, Random rnd) {
        float[] r = new float[rows * d];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rnd.nextGaussian() * 0.1f;
        }
        return r;
    }

    /** Forward, the representation term, MLM loss, backward; returns the loss. */
    private static double step(Esm2Trainer trainer, List<int[]> tokens, List<int[]> targets, float[] reprWeights) {
        PackedRepresentation rep = trainer.forward(tokens);
        double linear = 0;
        if (reprWeights != null) {
            for (int i = 0; i < rep.tokens() * rep.dim(); i++) {
                rep.gradient()[i] += reprWeights[i];
                linear += (double) reprWeights[i] * rep.values()[i];
            }
        }
        double loss = targets == null ? 0 : trainer.maskedLmLoss(targets);
        trainer.backward();
        return loss + linear;
    }

    private static void checkAgainstFiniteDifferences(TrainableModel model, String what) {
        Random rnd = new Random(5);
        List<int[]> tokens = batch(rnd);
        List<int[]> targets = targets(tokens, rnd);
        int rows = tokens.stream().mapToInt(t -> t.length).sum();
        float[] r = reprWeights(rows, model.config().embedDim(), rnd);
        double loss;
        try (Esm2Trainer trainer = new CpuBackend().trainer(model, TrainerOptions.defaults())) {
            loss = step(trainer, tokens, targets, r);
        }
        ReferenceTraining ref = new ReferenceTraining(model);
        double[] p = new double[model.parameters().length];
        for (int i = 0; i < p.length; i++) {
            p[i] = model.parameters()[i];
        }
        double[] rd = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            rd[i] = r[i];
        }
        double refLoss = ref.loss(p, tokens, targets, rd);
        assertEquals(refLoss, loss, 1e-5 * Math.abs(refLoss), what + ": loss");
        double worst = 0;
        String worstTensor = "";
        int checked = 0;
        for (ParameterEntry e : model.layout().entries()) {
            float[] g = model.gradient(e.name());
            if (!e.trainable()) {
                for (float v : g) {
                    assertEquals(0f, v, what + ": frozen " + e.name() + " got a gradient");
                }
                continue;
            }
            int largest = 0;
            double maxAbs = 0;
            for (int i = 0; i < g.length; i++) {
                if (Math.abs(g[i]) > maxAbs) {
                    maxAbs = Math.abs(g[i]);
                    largest = i;
                }
            }
            double allowed = TOL * Math.max(1, maxAbs);
            double tensorWorst = 0;
            for (int s = 0; s <= SAMPLES_PER_TENSOR; s++) {
                int i = s == 0 ? largest : rnd.nextInt(g.length);
                int at = e.offset() + i;
                double saved = p[at];
                p[at] = saved + STEP;
                double up = ref.loss(p, tokens, targets, rd);
                p[at] = saved - STEP;
                double down = ref.loss(p, tokens, targets, rd);
                p[at] = saved;
                double fd = (up - down) / (2 * STEP);
                double err = Math.abs(g[i] - fd);
                tensorWorst = Math.max(tensorWorst, err);
                if (err > allowed) {
                    fail(what + ": " + e.name() + "[" + i + "] analytic " + g[i] + " vs finite difference " + fd
                            + ": abs error " + err + " > " + allowed);
                }
                checked++;
            }
            if (tensorWorst / allowed > worst) {
                worst = tensorWorst / allowed;
                worstTensor = e.name() + String.format(" (max abs error %.3e, max |gradient| %.3e)", tensorWorst,
                        maxAbs);
            }
        }
        System.out.printf("%s: loss %.9f vs reference %.9f; %d coordinates, worst %.1f%% of the allowed error in %s%n",
                what, loss, refLoss, checked, 100 * worst, worstTensor);
    }

    private static TrainableModel model(Esm2Config config, LoraConfig lora) {
        Esm2Weights w = RandomEsm2Weights.of(config, 17);
        TrainableModel.Builder b = TrainableModel.builder(w);
        if (lora != null) {
            b.lora(lora, 3);
        }
        TrainableModel m = b.build();
        if (lora != null) { // PEFT starts B at zero, which would hide A's gradient: give B values too
            Random rnd = new Random(8);
            for (ParameterEntry e : m.layout().entries()) {
                if (e.name().endsWith(".lora_B")) {
                    float[] v = new float[e.length()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) rnd.nextGaussian() * 0.2f;
                    }
                    m.setValues(e.name(), v);
                }
            }
        }
        return m;
    }

    @Test
    void headDim16GradientsMatchFiniteDifferences() {
        checkAgainstFiniteDifferences(model(Esm2Config.of(2, 32, 2), null), "head_dim 16");
    }

    @Test
    void headDim64GradientsMatchFiniteDifferences() {
        checkAgainstFiniteDifferences(model(Esm2Config.of(1, 64, 1), null), "head_dim 64");
    }

    @Test
    void loraAdapterGradientsOnEveryTargetMatchFiniteDifferences() {
        LoraConfig lora = new LoraConfig(2, 4, 0, EnumSet.allOf(LoraTarget.class));
        checkAgainstFiniteDifferences(model(Esm2Config.of(2, 32, 2), lora), "LoRA r=2 on q,k,v,o,fc1,fc2");
    }

    /** Recomputation reruns the same kernels on the same inputs (and the same dropout masks): the same bits. */
    @Test
    void recomputationGivesIdenticalGradients() {
        LoraConfig lora = new LoraConfig(3, 6, 0.25, EnumSet.of(LoraTarget.Q, LoraTarget.FC2));
        for (LoraConfig l : new LoraConfig[] {null, lora}) {
            Random rnd = new Random(2);
            List<int[]> tokens = batch(rnd);
            List<int[]> targets = targets(tokens, rnd);
            float[][] grads = new float[2][];
            double[] losses = new double[2];
            for (int run = 0; run < 2; run++) {
                TrainableModel m = model(Esm2Config.of(2, 32, 2), l);
                try (Esm2Trainer trainer = new CpuBackend().trainer(m, new TrainerOptions(run == 1, 9))) {
                    losses[run] = step(trainer, tokens, targets, null);
                    m.zeroGradients();
                    losses[run] = step(trainer, tokens, targets, null); // a second step: other dropout masks
                }
                grads[run] = m.gradients();
            }
            assertEquals(losses[0], losses[1]);
            assertArrayEquals(grads[0], grads[1], l == null ? "full model" : "LoRA with dropout");
        }
    }

    /**
     * With a loss that is a sum over sequences, the packed batch's gradient is the sum of the sequences' own
     * gradients, and its representation is each sequence's alone, bit for bit.
     */
    @Test
    void packedBatchEqualsSequencesAlone() {
        Random rnd = new Random(4);
        List<int[]> tokens = batch(rnd);
        TrainableModel together = model(Esm2Config.of(2, 32, 2), null);
        int rows = tokens.stream().mapToInt(t -> t.length).sum();
        float[] r = reprWeights(rows, 32, rnd);
        float[] batchRepr;
        try (Esm2Trainer trainer = new CpuBackend().trainer(together, TrainerOptions.defaults())) {
            step(trainer, tokens, null, r);
            batchRepr = trainer.forward(tokens).values().clone();
        }
        TrainableModel alone = model(Esm2Config.of(2, 32, 2), null);
        int row0 = 0;
        try (Esm2Trainer trainer = new CpuBackend().trainer(alone, TrainerOptions.defaults())) {
            for (int[] seq : tokens) {
                int n = seq.length * 32;
                float[] part = Arrays.copyOfRange(r, row0 * 32, row0 * 32 + n);
                float[] single = trainer.forward(List.of(seq)).values().clone();
                assertArrayEquals(Arrays.copyOfRange(batchRepr, row0 * 32, row0 * 32 + n), single,
                        "representation of a " + seq.length + "-token sequence");
                step(trainer, List.of(seq), null, part);
                row0 += seq.length;
            }
        }
        for (ParameterEntry e : together.layout().trainable()) {
            float[] a = together.gradient(e.name());
            float[] b = alone.gradient(e.name());
            double max = 0;
            for (float v : b) {
                max = Math.max(max, Math.abs(v));
            }
            NumericAssert.assertClose("batch vs alone " + e.name(), a, b, 1e-5 * Math.max(1, max),
                    0);
        }
    }

    /**
     * The LM head's buffers are sized to the rows scored: a trainer that first scored one row per sequence and then
     * scores every row (its buffers grown on the way) gives the fresh trainer's loss and gradients, bit for bit.
     */
    @Test
    void scoringMoreRowsThanBeforeMatchesAFreshTrainer() {
        Random rnd = new Random(6);
        List<int[]> tokens = batch(rnd);
        List<int[]> few = new ArrayList<>();
        List<int[]> all = new ArrayList<>();
        for (int[] seq : tokens) {
            int[] one = new int[seq.length];
            Arrays.fill(one, -100);
            one[seq.length / 2] = 4 + rnd.nextInt(20);
            few.add(one);
            int[] every = new int[seq.length];
            for (int i = 0; i < seq.length; i++) {
                every[i] = 4 + rnd.nextInt(20);
            }
            all.add(every);
        }
        TrainableModel grown = model(Esm2Config.of(2, 32, 2), null);
        double grownLoss;
        try (Esm2Trainer trainer = new CpuBackend().trainer(grown, TrainerOptions.defaults())) {
            step(trainer, tokens, few, null);
            grown.zeroGradients();
            grownLoss = step(trainer, tokens, all, null);
        }
        TrainableModel fresh = model(Esm2Config.of(2, 32, 2), null);
        double freshLoss;
        try (Esm2Trainer trainer = new CpuBackend().trainer(fresh, TrainerOptions.defaults())) {
            freshLoss = step(trainer, tokens, all, null);
        }
        assertEquals(freshLoss, grownLoss);
        assertArrayEquals(fresh.gradients(), grown.gradients(), "gradients after the LM head's buffers grew");
    }

    @Test
    void misuseIsRefusedClearly() {
        TrainableModel m = model(Esm2Config.of(1, 32, 2), null);
        try (Esm2Trainer trainer = new CpuBackend().trainer(m, TrainerOptions.defaults())) {
            assertThrows(IllegalStateException.class, trainer::backward);
            List<int[]> tokens = List.of(new int[] {0, 5, 6, 2});
            trainer.forward(tokens);
            InvalidInputException none = assertThrows(InvalidInputException.class,
                    () -> trainer.maskedLmLoss(List.of(new int[] {-100, -100, -100, -100})));
            assertTrue(none.getMessage().contains("no position"), none.getMessage());
            InvalidInputException length = assertThrows(InvalidInputException.class,
                    () -> trainer.maskedLmLoss(List.of(new int[] {-100, 5})));
            assertTrue(length.getMessage().contains("sequence 0"), length.getMessage());
            InvalidInputException pad = assertThrows(InvalidInputException.class,
                    () -> trainer.forward(List.of(new int[] {0, Alphabet.PAD, 2})));
            assertTrue(pad.getMessage().contains("position 1"), pad.getMessage());
        }
    }
}
