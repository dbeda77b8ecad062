package org.esm2j.train.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The process's resident set size from Linux's /proc/self/status, else the JVM heap in use. */
final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    static long bytes() {
        if (Files.isReadable(STATUS)) {
            try {
                List<String> lines = Files.readAllLines(STATUS);
                for (String line : lines) {
                    if (line.startsWith("VmRSS:")) {
                        String[] parts = line.substring(6).trim().split("\\s+");
                        return Long.parseLong(parts[0]) * 1024;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // fall through to the heap figure
            }
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
