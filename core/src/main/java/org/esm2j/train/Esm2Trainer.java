package org.esm2j.train;

import java.util.List;

/**
 * Forward and backward passes of ESM-2 over a {@link TrainableModel}'s flat buffers, made by a backend
 * ({@code Backend.trainer}). One step: {@link #forward}, losses that add into the representation gradient
 * ({@link #maskedLmLoss} or a head), {@link #backward}, then clipping and an optimizer step on the model's buffers.
 * The parameters are read at the start of every forward pass, so an optimizer may update them in place between steps.
 * Not thread-safe: one step at a time.
 */
public interface Esm2Trainer extends AutoCloseable {
    TrainableModel model();

    /**
     * Runs the model on sequences framed as {@code <cls> residues <eos>} (unpadded; see {@link PaddedBatch}) and keeps
     * what the backward pass needs; the token arrays must not change until {@link #backward}.
     */
    PackedRepresentation forward(List<int[]> tokens);

    /**
     * Masked-LM loss of the last forward pass: mean cross-entropy of the tied LM head's logits over the positions whose
     * target is not -100 (one target array per sequence, of its length). Adds the LM head's parameter gradients and
     * d(loss)/d(representation) at once; returns the loss.
     */
    double maskedLmLoss(List<int[]> targets);

    /** Carries the representation gradient down through the backbone, adding into the model's gradient buffer. */
    void backward();

    /**
     * Forward passes run so far. LoRA dropout masks depend on it (step k draws the same masks on every run), so a
     * checkpoint records it and a resumed run restores it with {@link #restoreForwardPasses}.
     */
    long forwardPasses();

    /** Continues counting forward passes from {@code count}, as if that many had run (for resuming a run). */
    void restoreForwardPasses(long count);

    @Override
    void close();
}
