package org.esm2j.train.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.optim.Freezing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.1, EnumSet.of(LoraTarget.Q, LoraTarget.V));

    @Test
    void resumingFromACheckpointEndsWhereTheUninterruptedRunEnds(@TempDir Path tmp) {
        // LoRA dropout makes the forward-pass count part of the state; validation passes advance it too
        TrainingRun whole = TinyRuns.builder(tmp.resolve("a"), 6).lora(LORA).build();
        TrainingSummary a = whole.run();
        TrainingRun first = TinyRuns.builder(tmp.resolve("b"), 6).lora(LORA).maxSteps(3).build();
        assertEquals(3, first.run().steps());
        TrainingRun second = TinyRuns.builder(tmp.resolve("b"), 6).lora(LORA).build();
        assertEquals(3, second.step(), "resumed at the checkpoint's step");
        TrainingSummary b = second.run();
        assertEquals(6, a.steps());
        assertEquals(6, b.steps());
        assertArrayEquals(whole.model().parameters(), second.model().parameters(), "parameters differ");
        Map<String, Tensor> sa = whole.optimizer().exportState();
        Map<String, Tensor> sb = second.optimizer().exportState();
        for (String k : sa.keySet()) {
            assertArrayEquals(bytes(sa.get(k)), bytes(sb.get(k)), "optimizer state '" + k + "' differs");
        }
        assertEquals(a.lastValidation().orElseThrow().loss(), b.lastValidation().orElseThrow().loss());
    }

    @Test
    void checkpointsAreCompleteDirectoriesAndOnlyTheNewestAreKept(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ck");
        Files.createDirectories(dir.resolve(".tmp-step-00000001")); // what a kill during a write leaves
        List<Long> written = new ArrayList<>();
        TinyRuns.builder(dir, 5).listener(new TrainingListener() {
            @Override
            public void onCheckpoint(long step, Path directory) {
                written.add(step);
                assertTrue(Files.isRegularFile(directory.resolve(TrainingCheckpoint.MODEL_FILE)));
                assertTrue(Files.isRegularFile(directory.resolve(TrainingCheckpoint.STATE_FILE)));
            }
        }).build().run();
        assertEquals(List.of(2L, 4L, 5L), written, "every 2 steps and at the end");
        try (var s = Files.list(dir)) {
            assertEquals(List.of("step-00000004", "step-00000005"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aNonFiniteGradientStopsTheRunNamingTheStepAndTheFirstTensor() {
        TrainingRun run = TinyRuns.builder(null, 10)
                .objective(new FaultyObjective(3, Float.POSITIVE_INFINITY, 1.0)).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, run::run);
        assertEquals(2, e.step(), "micro-batch 3 belongs to step 2 (two micro-batches per step)");
        assertEquals("probe.weight", e.tensor());
        assertTrue(e.getMessage().contains("step 2") && e.getMessage().contains("'probe.weight'")
                && e.getMessage().contains("[1, 0]"), e.getMessage());
        assertEquals(1, run.step(), "the diverged step was not applied");
    }

    @Test
    void aNonFiniteLossWithFiniteGradientsNamesTheLoss() {
        TrainingRun run = TinyRuns.builder(null, 10)
                .objective(new FaultyObjective(1, 0f, Double.NaN)).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, run::run);
        assertEquals(1, e.step());
        assertEquals("loss", e.tensor());
    }

    @Test
    void earlyStoppingEndsARunWhoseValidationLossStopsImproving() {
        // lr 0: the loss stays exactly the start's, which does not improve on itself
        TrainingSummary s = TinyRuns.builder(null, 50)
                .adamW(0, 0.9, 0.999, 1e-8, 0, true).earlyStopping(1, 0).build().run();
        assertEquals(StopReason.EARLY_STOPPING, s.reason());
        assertEquals(3, s.steps(), "stopped at the first validation after the start");
    }

    @Test
    void frozenEmbeddingsAndLayersDoNotMove() {
        TrainingRun run = TinyRuns.builder(null, 2)
                .freeze(Freezing.embeddingsAndBottomLayers(1)).build();
        float[] before = run.model().parameters().clone();
        run.run();
        float[] after = run.model().parameters();
        boolean anyMoved = false;
        for (ParameterEntry e : run.model().layout().entries()) {
            boolean moved = false;
            for (int i = e.offset(); i < e.end(); i++) {
                moved |= before[i] != after[i];
            }
            boolean frozen = e.name().equals("embed_tokens.weight") || e.name().startsWith("layers.0.")
                    || e.name().startsWith("contact_head.");
            if (frozen) {
                assertFalse(moved, e.name() + " is frozen but changed");
            }
            anyMoved |= moved;
        }
        assertTrue(anyMoved, "nothing trained");
    }

    @Test
    void examplesTheObjectiveCannotUseAreRejectedBeforeTraining() {
        List<TrainingExample> labelled = new ArrayList<>(TinyRuns.sequences(4, 1));
        labelled.set(2, new TrainingExample("labelled", labelled.get(2).tokens(), new float[] {1f}));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TinyRuns.builder(null, 2).trainingData(labelled).build());
        assertTrue(e.getMessage().contains("'labelled'"), e.getMessage());
    }

    private static byte[] bytes(Tensor t) {
        java.nio.ByteBuffer b = t.bytes().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * Masked-LM plus a 2 x 2 probe tensor that the backbone never reads; on micro-batch {@code at} (1-based) it writes
     * {@code gradient} into the probe's element [1, 0] and returns {@code loss} instead of the real loss.
     */
    private static final class FaultyObjective implements TrainingObjective {
        private final MaskedLmObjective mlm = new MaskedLmObjective();
        private final int at;
        private final float gradient;
        private final double loss;
        private ParameterEntry probe;
        private int calls;
        private boolean training = true;

        FaultyObjective(int at, float gradient, double loss) {
            this.at = at;
            this.gradient = gradient;
            this.loss = loss;
        }

        @Override
        public void declare(ParameterLayout.Builder layout) {
            layout.add("probe.weight", new long[] {2, 2}, true);
        }

        @Override
        public void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
            probe = layout.entry("probe.weight");
        }

        @Override
        public void validate(TrainingExample example) {
            mlm.validate(example);
        }

        @Override
        public Prepared prepare(List<TrainingExample> batch, SeededRandom random) {
            return mlm.prepare(batch, random);
        }

        @Override
        public double loss(Esm2Trainer trainer, PackedRepresentation representation, Prepared prepared) {
            double real = mlm.loss(trainer, representation, prepared);
            if (training && ++calls == at) {
                trainer.model().gradients()[probe.offset() + 2] = gradient;
                return loss;
            }
            return real;
        }

        @Override
        public long scored(Prepared prepared) {
            return mlm.scored(prepared);
        }

        @Override
        public void setTraining(boolean training) {
            this.training = training;
            mlm.setTraining(training);
        }
    }
}
