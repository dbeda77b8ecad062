package org.esm2j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording says memory was allocated: the {@code jdk.ObjectAllocationSample} weights summed per
 * allocation site, the site being the innermost esm2j frame (method and line) and the allocated class. A Vector API
 * kernel that C2 failed to intrinsify shows up here as {@code float[]} and {@code Float512Vector} allocations at the
 * kernel's line. Used by {@code bench/alloc-hunt.sh}.
 *
 * <p>Arguments: {@code FILE.jfr [TOP]}; prints the TOP (default 12) heaviest sites, in MB.
 */
public final class AllocationSites {
    private AllocationSites() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: AllocationSites FILE.jfr [TOP]");
        }
        int top = args.length == 2 ? Integer.parseInt(args[1]) : 12;
        Map<String, Double> bytesBySite = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (e.getEventType().getName().equals("jdk.ObjectAllocationSample")) {
                String site = site(e.getStackTrace()) + " " + e.getClass("objectClass").getName();
                bytesBySite.merge(site, (double) e.getLong("weight"), Double::sum);
            }
        }
        List<Map.Entry<String, Double>> sorted = new ArrayList<>(bytesBySite.entrySet());
        sorted.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        for (Map.Entry<String, Double> s : sorted.subList(0, Math.min(top, sorted.size()))) {
            System.out.printf(Locale.ROOT, "%12.1f MB  %s%n", s.getValue() / 1e6, s.getKey());
        }
    }

    /** The innermost esm2j frame, or "(no esm2j frame)" for JDK-internal and truncated stacks. */
    private static String site(RecordedStackTrace stack) {
        if (stack != null) {
            for (RecordedFrame f : stack.getFrames()) {
                String type = f.getMethod().getType().getName();
                if (type.startsWith("org.esm2j.")) {
                    return type + "." + f.getMethod().getName() + ":" + f.getLineNumber();
                }
            }
        }
        return "(no esm2j frame)";
    }
}
