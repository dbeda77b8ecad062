package org.esm2j.hub;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes a response stream when no bytes have arrived for a while. java.net.http has no read timeout once the headers
 * are in, so without this a server that stops sending mid-body would block the reading thread forever.
 */
final class StallWatchdog implements AutoCloseable {
    private final Closeable stream;
    private final long timeoutNanos;
    private final ScheduledExecutorService timer;
    private volatile long lastProgressNanos;
    private volatile boolean fired;

    private StallWatchdog(Closeable stream, Duration timeout) {
        this.stream = stream;
        this.timeoutNanos = timeout.toNanos();
        this.lastProgressNanos = System.nanoTime();
        this.timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "esm2j-download-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        long periodMillis = Math.max(10, timeout.toMillis() / 4);
        timer.scheduleAtFixedRate(this::check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    static StallWatchdog watch(Closeable stream, Duration timeout) {
        return new StallWatchdog(stream, timeout);
    }

    void progressed() {
        lastProgressNanos = System.nanoTime();
    }

    /** Whether the stream was closed because it stalled; a failed or short read is then this, not the server's. */
    boolean fired() {
        return fired;
    }

    private void check() {
        if (!fired && System.nanoTime() - lastProgressNanos > timeoutNanos) {
            fired = true;
            try {
                stream.close();
            } catch (IOException abandoned) {
                // The transfer is being given up; the reader reports the stall, a failing close adds nothing.
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
