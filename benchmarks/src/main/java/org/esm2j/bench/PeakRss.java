package org.esm2j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Peak resident memory of this JVM ({@code VmHWM} of /proc/self/status), written at the end of a JMH trial so that a
 * benchmark's fork reports the memory of that point alone. The line goes to the file named by the system property
 * {@value #FILE_PROPERTY}, and nowhere when it is unset (or on systems without /proc).
 */
final class PeakRss {
    static final String FILE_PROPERTY = "esm2j.peakRssFile";

    private PeakRss() {
    }

    /** Appends {@code "<label> <VmHWM in KiB>"} to the file named by {@value #FILE_PROPERTY}, if set. */
    static void record(String label) {
        String file = System.getProperty(FILE_PROPERTY);
        Path status = Path.of("/proc/self/status");
        if (file == null || !Files.isReadable(status)) {
            return;
        }
        try {
            long kib = vmHwmKib(Files.readString(status));
            Files.writeString(Path.of(file), label + " " + kib + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record peak RSS in " + file, e);
        }
    }

    /** The VmHWM field of a /proc/PID/status text, in KiB. */
    static long vmHwmKib(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.substring("VmHWM:".length()).replace("kB", "").trim());
            }
        }
        throw new IllegalArgumentException("no VmHWM line in /proc/self/status");
    }
}
