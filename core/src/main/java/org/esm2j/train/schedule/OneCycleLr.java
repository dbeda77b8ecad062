package org.esm2j.train.schedule;

import org.esm2j.train.optim.Optimizer;

/**
 * {@code torch.optim.lr_scheduler.OneCycleLR} (Smith and Topin 2017). Each group's base learning rate is its
 * {@code max_lr}; the rate starts at {@code max_lr / div_factor}, rises to {@code max_lr} over the first
 * {@code pct_start} of the steps and falls to {@code max_lr / (div_factor * final_div_factor)} at the end, while the
 * momentum (beta1 for AdamW) moves the opposite way between {@code max_momentum} and {@code base_momentum}. Phase
 * {@code i} ends at step {@code e_i} (the first at {@code pct_start * total - 1}, the last at {@code total - 1}) and
 * within it the value goes from start to end by {@code pct = (s - e_{i-1}) / (e_i - e_{i-1})} with cosine
 * ({@code end + (start - end) / 2 (1 + cos(pi pct))}) or linear annealing. Torch's defaults are the defaults here;
 * three_phase adds the symmetric descent back to the initial rate before the final annealing, as torch does.
 */
public final class OneCycleLr implements LrSchedule {
    private final long totalSteps;
    private final double pctStart;
    private final boolean cosine;
    private final double divFactor;
    private final double finalDivFactor;
    private final boolean threePhase;
    private final boolean cycleMomentum;
    private final double baseMomentum;
    private final double maxMomentum;

    /** Torch's defaults: pct_start 0.3, cosine, div_factor 25, final_div_factor 1e4, momentum 0.85..0.95. */
    public OneCycleLr(long totalSteps) {
        this(totalSteps, 0.3, true, 25, 1e4, false, true, 0.85, 0.95);
    }

    public OneCycleLr(long totalSteps, double pctStart, boolean cosineAnnealing, double divFactor,
            double finalDivFactor, boolean threePhase, boolean cycleMomentum, double baseMomentum,
            double maxMomentum) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("total steps must be >= 1: " + totalSteps);
        }
        if (!(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("pct_start must be in [0, 1]: " + pctStart);
        }
        if (!(divFactor > 0) || !(finalDivFactor > 0)) {
            throw new IllegalArgumentException("div factors must be > 0: " + divFactor + ", " + finalDivFactor);
        }
        this.totalSteps = totalSteps;
        this.pctStart = pctStart;
        this.cosine = cosineAnnealing;
        this.divFactor = divFactor;
        this.finalDivFactor = finalDivFactor;
        this.threePhase = threePhase;
        this.cycleMomentum = cycleMomentum;
        this.baseMomentum = baseMomentum;
        this.maxMomentum = maxMomentum;
    }

    /** The learning rate divided by max_lr. */
    @Override
    public double factor(long step) {
        return evaluate(step, false);
    }

    /** The momentum (beta1) before optimizer step {@code step + 1}. */
    public double momentum(long step) {
        return evaluate(step, true);
    }

    /** Sets every group's learning rate and, when cycling, its momentum (beta1 for AdamW). */
    @Override
    public void apply(Optimizer optimizer) {
        LrSchedule.super.apply(optimizer);
        if (cycleMomentum) {
            double m = momentum(optimizer.steps());
            for (int g = 0; g < optimizer.groups().size(); g++) {
                optimizer.setMomentum(g, m);
            }
        }
    }

    private double evaluate(long step, boolean momentum) {
        if (step < 0 || step > totalSteps) {
            throw new IllegalArgumentException("one-cycle step " + step + " is outside [0, " + totalSteps
                    + "]; the schedule was built for " + totalSteps + " steps");
        }
        double initial = 1.0 / divFactor;
        double min = initial / finalDivFactor;
        double[][] phases = threePhase
                ? new double[][] {
                    {pctStart * totalSteps - 1, initial, 1.0, maxMomentum, baseMomentum},
                    {2 * pctStart * totalSteps - 2, 1.0, initial, baseMomentum, maxMomentum},
                    {totalSteps - 1, initial, min, maxMomentum, maxMomentum}}
                : new double[][] {
                    {pctStart * totalSteps - 1, initial, 1.0, maxMomentum, baseMomentum},
                    {totalSteps - 1, 1.0, min, baseMomentum, maxMomentum}};
        double start = 0;
        for (int i = 0; i < phases.length; i++) {
            double end = phases[i][0];
            if (step <= end || i == phases.length - 1) {
                double pct = (step - start) / (end - start);
                return momentum ? anneal(phases[i][3], phases[i][4], pct) : anneal(phases[i][1], phases[i][2], pct);
            }
            start = end;
        }
        throw new AssertionError("the last phase always matches");
    }

    private double anneal(double from, double to, double pct) {
        if (cosine) {
            return to + (from - to) / 2.0 * (Math.cos(Math.PI * pct) + 1);
        }
        return (to - from) * pct + from;
    }
}
