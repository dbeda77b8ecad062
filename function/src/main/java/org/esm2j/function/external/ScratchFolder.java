package org.esm2j.function.external;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.esm2j.Esm2jException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A temporary folder for one run of an external program, deleted with everything in it on {@link #close}. */
public final class ScratchFolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScratchFolder.class);

    private final Path dir;

    private ScratchFolder(Path dir) {
        this.dir = dir;
    }

    /** A new folder in the system's temporary directory, named after {@code tool}. */
    public static ScratchFolder create(String tool) {
        try {
            return new ScratchFolder(Files.createTempDirectory("esm2j-" + tool + "-"));
        } catch (IOException e) {
            throw new Esm2jException("cannot create a temporary folder for " + tool + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String fileName) {
        return dir.resolve(fileName);
    }

    /** Deletes the folder; a leftover temporary folder is logged, not worth failing a finished run for. */
    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete temporary folder {}: {}", dir, e.getMessage());
        }
    }
}
