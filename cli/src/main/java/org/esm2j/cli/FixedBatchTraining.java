package org.esm2j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backend;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.PaddedBatch;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.esm2j.train.optim.GradientClipping;
import org.esm2j.train.optim.Optimizer;

/**
 * The researchers' mode of {@code train-mlm}: every step trains on the same given batch ({@code mlm.tokens} I32 (B, T)
 * right-padded with {@code <pad>} = 1, {@code mlm.targets} (B, T) with -100 where not scored), with no masking of its
 * own, so one step can be held against PyTorch's. Writes the first step's gradients and the parameters after the
 * last step under fair-esm names (the tied LM-head weight is {@code embed_tokens.weight}).
 */
final class FixedBatchTraining {
    static final String TOKENS = "mlm.tokens";
    static final String TARGETS = "mlm.targets";

    private FixedBatchTraining() {
    }

    /** The batch's sequences and targets, checked. */
    record Batch(List<int[]> sequences, List<int[]> targets) {
        static Batch read(Path file) {
            Safetensors.Contents c = Safetensors.read(file);
            Tensor tokens = require(c, file, TOKENS);
            Tensor targets = require(c, file, TARGETS);
            if (tokens.rank() != 2 || !targets.hasShape(tokens.shape())) {
                throw new InvalidInputException(file + ": '" + TOKENS + "' must be (B, T) and '" + TARGETS
                        + "' the same shape, found " + tokens + " and " + targets);
            }
            int b = (int) tokens.dim(0);
            int t = (int) tokens.dim(1);
            List<int[]> seqs = PaddedBatch.sequences(tokens.toIntArray(), b, t);
            return new Batch(seqs, PaddedBatch.alignedTo(seqs, targets.toIntArray(), t));
        }

        private static Tensor require(Safetensors.Contents c, Path file, String key) {
            Tensor t = c.tensors().get(key);
            if (t == null) {
                throw new InvalidInputException(file + " has no tensor '" + key + "' (expected " + TOKENS + " and "
                        + TARGETS + ", as in the fixtures' train.safetensors)");
            }
            if (t.dtype() != DType.I32 && t.dtype() != DType.I64) {
                throw new InvalidInputException(file + ": '" + key + "' must be I32 or I64, found " + t.dtype());
            }
            return t;
        }
    }

    /**
     * Runs {@code steps} steps (forward, masked-LM loss, backward, optional clipping, optimizer step) and writes the
     * outputs asked for; returns the losses.
     */
    static double[] run(TrainableModel model, Backend backend, Optimizer optimizer, Batch batch, int steps,
            double clipNorm, Path gradientsOut, Path parametersOut) throws IOException {
        double[] losses = new double[steps];
        try (Esm2Trainer trainer = backend.trainer(model, TrainerOptions.defaults())) {
            for (int s = 0; s < steps; s++) {
                model.zeroGradients();
                trainer.forward(batch.sequences());
                losses[s] = trainer.maskedLmLoss(batch.targets());
                trainer.backward();
                if (s == 0 && gradientsOut != null) {
                    Safetensors.write(gradientsOut, trainableTensors(model, model.gradients()), Map.of());
                }
                if (clipNorm > 0) {
                    GradientClipping.clipGlobalNorm(model.layout(), model.gradients(), clipNorm);
                }
                optimizer.step(model.parameters(), model.gradients());
            }
        }
        if (parametersOut != null) {
            Map<String, Tensor> all = new LinkedHashMap<>();
            for (ParameterEntry e : model.layout().entries()) {
                all.put(e.name(), Tensor.ofFloats(model.values(e.name()), e.shape()));
            }
            Safetensors.write(parametersOut, all, Map.of());
        }
        return losses;
    }

    /** Every trainable tensor's slice of {@code buffer} under its fair-esm name. */
    private static Map<String, Tensor> trainableTensors(TrainableModel model, float[] buffer) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ParameterEntry e : model.layout().trainable()) {
            float[] values = new float[e.length()];
            System.arraycopy(buffer, e.offset(), values, 0, values.length);
            out.put(e.name(), Tensor.ofFloats(values, e.shape()));
        }
        return out;
    }
}
