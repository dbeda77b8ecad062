package org.esm2j.hub;

import java.nio.file.Path;

/**
 * Hears about downloads so a caller can draw progress. Calls come on the downloading thread, once per network read
 * for {@link #progress}, so implementations should be quick and throttle their own drawing.
 */
public interface DownloadListener {

    /**
     * A transfer into the cache begins.
     *
     * @param file the cache file being filled (it appears under this name only once complete)
     * @param totalBytes the full size of the file, or -1 when the server does not say
     * @param resumedFrom bytes already present from an earlier interrupted download (0 for a fresh one)
     */
    void started(Path file, long totalBytes, long resumedFrom);

    /** Bytes of the file present so far, counting the resumed part; grows to {@code totalBytes}. */
    void progress(long bytes);

    /** The file is complete, verified and in place. Not called when a transfer fails. */
    void finished(Path file);

    DownloadListener NONE = new DownloadListener() {
        @Override
        public void started(Path file, long totalBytes, long resumedFrom) {
        }

        @Override
        public void progress(long bytes) {
        }

        @Override
        public void finished(Path file) {
        }
    };
}
