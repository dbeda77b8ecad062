package org.esm2j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/**
 * Writes a file through a temporary sibling and a rename, so a reader never sees a half-written output and a failed
 * write leaves any earlier file in place. The temporary file is registered with {@link ScratchFiles} while it exists,
 * so an interrupted application can remove it.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** What writes the content; the stream is closed by {@link #write}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = createSibling(dir, String.valueOf(absolute.getFileName()));
        ScratchFiles.register(tmp);
        boolean done = false;
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            try {
                if (!done) {
                    Files.deleteIfExists(tmp);
                }
            } finally {
                ScratchFiles.release(tmp);
            }
        }
    }

    /**
     * An empty, uniquely named hidden file beside the target. Not {@code Files.createTempFile}: that makes the file
     * owner-only (0600), and the rename would hand outputs that mode; a plain create gets the usual umask-based one.
     */
    private static Path createSibling(Path dir, String name) throws IOException {
        for (int attempt = 0;; attempt++) {
            Path candidate = dir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }
}
