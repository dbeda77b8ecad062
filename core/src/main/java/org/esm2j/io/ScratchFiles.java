package org.esm2j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The temporary and scratch files this process has made and not yet renamed or deleted, so that an application that
 * is interrupted (a command line on Ctrl-C or SIGTERM) can remove them from a shutdown hook with {@link #deleteAll}:
 * without it a killed run leaves hidden {@code .tmp} and scratch files, as large as its outputs, behind.
 *
 * <p>Library code registers what it creates and releases it once renamed or deleted; it never installs a hook itself.
 * After {@link #deleteAll} has run, registering a new file deletes it at once and fails, so a worker thread still
 * running while the JVM shuts down cannot create litter after the cleanup.
 */
public final class ScratchFiles {
    private static final Set<Path> LIVE = new LinkedHashSet<>();
    private static boolean closed;

    private ScratchFiles() {
    }

    /** Records {@code file} as scratch, to be deleted by {@link #deleteAll} unless {@link #release}d first. */
    public static void register(Path file) throws IOException {
        synchronized (LIVE) {
            if (!closed) {
                LIVE.add(file.toAbsolutePath());
                return;
            }
        }
        Files.deleteIfExists(file);
        throw new IOException("shutting down: scratch file " + file + " removed");
    }

    /** Forgets {@code file}: it was renamed into place or deleted by its owner. */
    public static void release(Path file) {
        synchronized (LIVE) {
            LIVE.remove(file.toAbsolutePath());
        }
    }

    /** The files registered now, for tests and diagnostics. */
    public static List<Path> live() {
        synchronized (LIVE) {
            return new ArrayList<>(LIVE);
        }
    }

    /**
     * Deletes every registered file (best effort: one that cannot be deleted does not stop the others) and refuses
     * later registrations. Returns the files it could not delete.
     */
    public static List<Path> deleteAll() {
        List<Path> files;
        synchronized (LIVE) {
            closed = true;
            files = new ArrayList<>(LIVE);
            LIVE.clear();
        }
        List<Path> failed = new ArrayList<>();
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException | RuntimeException e) {
                failed.add(f);
            }
        }
        return failed;
    }
}
