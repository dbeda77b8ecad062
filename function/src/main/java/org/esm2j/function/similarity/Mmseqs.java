package org.esm2j.function.similarity;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.esm2j.function.external.ExternalProgram;

/** The {@code mmseqs} program (MMseqs2; Debian package mmseqs2) and the number of threads it may use. */
public final class Mmseqs {
    static final String NAME = "mmseqs";

    private final ExternalProgram program;
    private final int threads;

    public Mmseqs(Path binary, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.program = new ExternalProgram(NAME, binary);
        this.threads = threads;
    }

    /** {@code mmseqs} on the PATH, if any. */
    public static Optional<Path> findOnPath() {
        return ExternalProgram.findOnPath(NAME);
    }

    int threads() {
        return threads;
    }

    /** Runs {@code mmseqs args...} in {@code workDir}; a failure carries the end of mmseqs's output. */
    void run(Path workDir, List<String> args) {
        program.run(workDir, args);
    }
}
