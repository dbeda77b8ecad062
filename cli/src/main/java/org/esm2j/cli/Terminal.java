package org.esm2j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a standard stream goes to a person's terminal: decides the default progress bar and guards binary output. */
final class Terminal {
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    /** Set by the ./esm2j launcher, whose stderr filter makes the JVM's own stderr a pipe. */
    static final String STDERR_IS_TERMINAL = "esm2j.stderrIsTerminal";

    private Terminal() {
    }

    /** Whether standard output is a terminal, where binary output would garble the screen. */
    static boolean standardOutputIsTerminal() {
        return isTerminal(STDOUT);
    }

    /** Whether progress on standard error would be seen: the default for progress bars. */
    static boolean interactive() {
        String told = System.getProperty(STDERR_IS_TERMINAL);
        return told != null ? Boolean.parseBoolean(told) : isTerminal(STDERR);
    }

    /**
     * On Linux /proc tells for each stream; elsewhere a console means standard input and output are terminals
     * (Java 17), the closest the JDK can tell.
     */
    private static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
