package org.esm2j.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * One status line on stderr, rewritten in place with {@code \r}: sequences and tokens done, throughput and time left.
 * Redraws at most a few times a second so that tiny batches do not flood the terminal.
 */
final class ProgressBar {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final String label;
    private final long totalSequences;
    private final long totalTokens;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private int lastLineLength;

    ProgressBar(PrintWriter err, String label, long totalSequences, long totalTokens) {
        this.err = err;
        this.label = label;
        this.totalSequences = totalSequences;
        this.totalTokens = totalTokens;
    }

    void update(long sequencesDone, long tokensDone) {
        long now = System.nanoTime();
        boolean complete = tokensDone >= totalTokens && sequencesDone >= totalSequences;
        if (!complete && now - lastDrawNanos < REDRAW_NANOS) {
            return;
        }
        lastDrawNanos = now;
        String line = render(sequencesDone, tokensDone, (now - startNanos) / 1e9);
        // Pad over the remains of a longer previous line.
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastLineLength; i++) {
            sb.append(' ');
        }
        lastLineLength = line.length();
        err.print(sb);
        err.flush();
    }

    /** Ends the status line so that later output starts on a fresh line. */
    void finish() {
        if (lastLineLength > 0) {
            err.println();
            err.flush();
        }
    }

    String render(long sequencesDone, long tokensDone, double elapsedSeconds) {
        double fraction = totalTokens == 0 ? 1 : Math.min(1, (double) tokensDone / totalTokens);
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        StringBuilder bar = new StringBuilder(BAR_WIDTH);
        for (int i = 0; i < BAR_WIDTH; i++) {
            bar.append(i < filled ? '#' : '.');
        }
        double rate = elapsedSeconds > 0 ? tokensDone / elapsedSeconds : 0;
        String eta = rate > 0 && tokensDone < totalTokens ? duration((totalTokens - tokensDone) / rate) : "-";
        return String.format(Locale.ROOT, "%s [%s] %d/%d seqs, %d/%d tokens, %.0f tok/s, ETA %s", label, bar,
                sequencesDone, totalSequences, tokensDone, totalTokens, rate, eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
