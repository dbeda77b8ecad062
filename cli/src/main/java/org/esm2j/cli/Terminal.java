package org.esm2j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether output goes to a person's terminal: decides the default progress bar and guards binary output. */
final class Terminal {
    private Terminal() {
    }

    /**
     * Whether standard output is a terminal. On Linux /proc tells for that one stream; elsewhere a console means
     * both standard input and output are terminals (Java 17), which is the closest the JDK can tell.
     */
    static boolean standardOutputIsTerminal() {
        Path fd1 = Path.of("/proc/self/fd/1");
        try {
            String target = Files.readSymbolicLink(fd1).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** Whether someone is watching: the default for progress bars. */
    static boolean interactive() {
        return System.console() != null && standardOutputIsTerminal();
    }
}
