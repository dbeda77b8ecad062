package org.esm2j.train.schedule;

/**
 * Linear warmup from 0 over {@code W} steps, then constant, linear decay to 0 at step {@code S}, or half a cosine to 0
 * at {@code S}, as Hugging Face's {@code get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup}
 * and {@code get_cosine_schedule_with_warmup}:
 *
 * <pre>
 * s &lt; W:  s / W
 * else:   constant 1  |  linear max(0, (S - s) / (S - W))  |  cosine max(0, 0.5 (1 + cos(pi q))), q = (s - W) / (S - W)
 * </pre>
 *
 * (Hugging Face divides by {@code max(1, .)}, which only matters for W = 0 or S = W.)
 */
public final class WarmupSchedule implements LrSchedule {
    private enum Decay {
        CONSTANT, LINEAR, COSINE
    }

    private final Decay decay;
    private final long warmup;
    private final long total;

    private WarmupSchedule(Decay decay, long warmup, long total) {
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup steps must be >= 0: " + warmup);
        }
        if (decay != Decay.CONSTANT && total < warmup) {
            throw new IllegalArgumentException("total steps " + total + " must be >= warmup steps " + warmup);
        }
        this.decay = decay;
        this.warmup = warmup;
        this.total = total;
    }

    /** Constant 1 (no warmup): training at the base rate throughout. */
    public static WarmupSchedule constant() {
        return new WarmupSchedule(Decay.CONSTANT, 0, 0);
    }

    public static WarmupSchedule constant(long warmupSteps) {
        return new WarmupSchedule(Decay.CONSTANT, warmupSteps, 0);
    }

    public static WarmupSchedule linear(long warmupSteps, long totalSteps) {
        return new WarmupSchedule(Decay.LINEAR, warmupSteps, totalSteps);
    }

    public static WarmupSchedule cosine(long warmupSteps, long totalSteps) {
        return new WarmupSchedule(Decay.COSINE, warmupSteps, totalSteps);
    }

    @Override
    public double factor(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0: " + step);
        }
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        switch (decay) {
            case LINEAR:
                return Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
            case COSINE:
                double progress = (double) (step - warmup) / Math.max(1, total - warmup);
                return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            default:
                return 1.0;
        }
    }
}
