package org.esm2j.train;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Low-rank adapters with PEFT's semantics: an adapted projection computes
 * {@code y = x W^T + b + scaling dropout(x) A^T B^T} with A (r, in) and B (out, r), the base W and b frozen, and
 * {@code scaling = alpha / r} (rsLoRA: {@code alpha / sqrt(r)}).
 *
 * @param rank r, at least 1
 * @param alpha the scale numerator; the adapter's output is multiplied by alpha / r
 * @param dropout probability of zeroing an input element on the adapter path only, in [0, 1)
 * @param targets the adapted projections (in every layer)
 * @param rankStabilized PEFT's {@code use_rslora}: scale by alpha / sqrt(r) instead of alpha / r
 */
public record LoraConfig(int rank, double alpha, double dropout, Set<LoraTarget> targets, boolean rankStabilized) {
    /** Plain LoRA scaling, alpha / r. */
    public LoraConfig(int rank, double alpha, double dropout, Set<LoraTarget> targets) {
        this(rank, alpha, dropout, targets, false);
    }

    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive and finite, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target projection");
        }
        targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** PEFT's {@code scaling}: alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public float scaling() {
        return (float) (rankStabilized ? alpha / Math.sqrt(rank) : alpha / rank);
    }
}
