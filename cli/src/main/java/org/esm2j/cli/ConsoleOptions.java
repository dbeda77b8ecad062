package org.esm2j.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --progress} and {@code --quiet}: what a command prints on stderr besides errors. */
public final class ConsoleOptions {
    @Option(names = "--progress", negatable = true,
            description = "Show progress on stderr (default: only when attached to a terminal).")
    Boolean progress;

    @Option(names = {"-q", "--quiet"},
            description = "Print nothing but errors and results (no progress, download or summary lines).")
    boolean quiet;

    /** Progress bars and download progress: asked for, or by default on a terminal; never with --quiet. */
    boolean showProgress() {
        if (quiet) {
            return false;
        }
        return progress != null ? progress : Terminal.interactive();
    }

    /** A status line such as "resuming: ...": shown where progress is. */
    void report(PrintWriter err, String line) {
        if (showProgress()) {
            err.println(line);
            err.flush();
        }
    }
}
