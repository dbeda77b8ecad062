package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.esm2j.hub.DownloadListener;

/** Draws model downloads as one {@code \r}-updated line: file, MB done of total, MB/s. */
final class DownloadProgress implements DownloadListener {
    private static final long REDRAW_NANOS = 250_000_000L;

    private final PrintWriter err;
    private String name = "";
    private long total = -1;
    private long startBytes;
    private long startNanos;
    private long lastDrawNanos;

    DownloadProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void started(Path file, long totalBytes, long resumedFrom) {
        name = String.valueOf(file.getFileName());
        total = totalBytes;
        startBytes = resumedFrom;
        startNanos = System.nanoTime();
        lastDrawNanos = 0;
        draw(resumedFrom);
    }

    @Override
    public void progress(long bytes) {
        long now = System.nanoTime();
        if (now - lastDrawNanos >= REDRAW_NANOS) {
            lastDrawNanos = now;
            draw(bytes);
        }
    }

    @Override
    public void finished(Path file) {
        if (total >= 0) {
            draw(total);
        }
        err.println();
        err.flush();
    }

    private void draw(long bytes) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = seconds > 0 ? (bytes - startBytes) / seconds / 1e6 : 0;
        String of = total >= 0 ? String.format(Locale.ROOT, " of %.1f MB (%.0f%%)", total / 1e6,
                total == 0 ? 100.0 : 100.0 * bytes / total) : "";
        err.print(String.format(Locale.ROOT, "\rdownloading %s: %.1f MB%s, %.1f MB/s   ", name, bytes / 1e6, of,
                rate));
        err.flush();
    }
}
