package org.esm2j.hub;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Keeps the download events as readable lines, and the last progress value. */
final class RecordingListener implements DownloadListener {
    final List<String> events = new ArrayList<>();
    long lastProgress = -1;
    int progressCalls;

    @Override
    public synchronized void started(Path file, long totalBytes, long resumedFrom) {
        events.add("started " + file.getFileName() + " total=" + totalBytes + " from=" + resumedFrom);
        lastProgress = -1;
    }

    @Override
    public synchronized void progress(long bytes) {
        if (bytes < lastProgress) {
            events.add("progress went backwards: " + lastProgress + " -> " + bytes);
        }
        lastProgress = bytes;
        progressCalls++;
    }

    @Override
    public synchronized void finished(Path file) {
        events.add("finished " + file.getFileName() + " at " + lastProgress);
        lastProgress = -1;
    }
}
