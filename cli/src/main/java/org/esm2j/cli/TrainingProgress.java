package org.esm2j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.esm2j.train.run.StepMetrics;
import org.esm2j.train.run.TrainingListener;
import org.esm2j.train.run.ValidationMetrics;

/**
 * The training status line on stderr: step, loss, learning rate, gradient norm, tokens/s, memory and the last
 * validation perplexity, rewritten in place; each validation is also printed on a line of its own so the curve stays
 * on screen. Without a terminal (progress off) only the validation lines are printed.
 */
final class TrainingProgress implements TrainingListener {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final boolean live;
    private final long maxSteps;
    private long lastDraw;
    private int lastLength;
    private String validation = "";

    TrainingProgress(PrintWriter err, boolean live, long maxSteps) {
        this.err = err;
        this.live = live;
        this.maxSteps = maxSteps;
    }

    @Override
    public void onStep(StepMetrics m) {
        long now = System.nanoTime();
        if (!live || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        draw(render(m));
    }

    @Override
    public void onValidation(ValidationMetrics v) {
        validation = String.format(Locale.ROOT, ", val ppl %.3f", v.perplexity());
        clear();
        err.printf(Locale.ROOT, "step %d (%s): validation loss %.4f, perplexity %.3f over %d masked residues%n",
                v.step(), ProgressBar.duration(v.elapsedSeconds()), v.loss(), v.perplexity(), v.scored());
        err.flush();
    }

    String render(StepMetrics m) {
        String steps = maxSteps > 0 ? m.step() + "/" + maxSteps : Long.toString(m.step());
        return String.format(Locale.ROOT, "train-mlm step %s (epoch %d): loss %.4f, lr %.3g, grad norm %.3g, "
                + "%.0f tok/s, mem %d MiB, %s%s", steps, m.epoch(), m.loss(), m.learningRate(), m.gradientNorm(),
                m.tokensPerSecond(), m.residentBytes() >> 20, ProgressBar.duration(m.elapsedSeconds()), validation);
    }

    /** Ends the status line. */
    void finish() {
        clear();
    }

    private void draw(String line) {
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastLength; i++) {
            sb.append(' ');
        }
        lastLength = line.length();
        err.print(sb);
        err.flush();
    }

    private void clear() {
        if (lastLength > 0) {
            err.println();
            lastLength = 0;
        }
    }
}
