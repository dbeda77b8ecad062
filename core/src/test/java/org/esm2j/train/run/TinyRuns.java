package org.esm2j.train.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.train.Esm2Initialization;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.mlm.MaskedLmMasking;

/** A small, fully determined masked-LM run shared by the run tests and the child process of the kill test. */
final class TinyRuns {
    static final Esm2Config SHAPE = Esm2Config.of(2, 32, 4);

    private TinyRuns() {
    }

    static Esm2Weights weights() {
        return Esm2Initialization.HUGGING_FACE.initialize(SHAPE, 11);
    }

    /** {@code n} random protein-like sequences of 6 to 30 residues, framed. */
    static List<TrainingExample> sequences(int n, long seed) {
        SeededRandom r = new SeededRandom(seed);
        List<TrainingExample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] residues = new int[6 + r.nextInt(25)];
            for (int p = 0; p < residues.length; p++) {
                residues[p] = MaskedLmMasking.FIRST_STANDARD
                        + r.nextInt(MaskedLmMasking.LAST_STANDARD - MaskedLmMasking.FIRST_STANDARD + 1);
            }
            out.add(TrainingExample.unlabelled("seq" + i, Alphabet.frame(residues)));
        }
        return out;
    }

    /**
     * Masked-LM with AdamW, warmup, gradient accumulation over 2 micro-batches of 3, clipping, validation every 3 steps
     * with early stopping, and checkpoints every 2 steps (resuming from the newest one in {@code checkpoints}).
     */
    static TrainingRun.Builder builder(Path checkpoints, long steps) {
        return TrainingRun.builder(weights())
                .backend(new CpuBackend())
                .trainingData(sequences(16, 5))
                .validationData(sequences(4, 6))
                .batchSize(3)
                .gradientAccumulation(2)
                .adamW(3e-3, 0.9, 0.999, 1e-8, 0.01, false)
                .schedule(org.esm2j.train.schedule.WarmupSchedule.linear(2, steps))
                .clipNorm(1.0)
                .seed(42)
                .maxSteps(steps)
                .validateEvery(3, true)
                .earlyStopping(100, 0)
                .checkpoints(checkpoints, 2, 2, true);
    }
}
