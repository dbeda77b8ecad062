package org.esm2j.train.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL after it wrote a checkpoint and resumed in a new process ends with the same parameter and
 * optimizer bytes as a run that was never interrupted. All three runs are child JVMs on this test's class path with
 * the same thread count.
 */
class TrainingRunKillTest {
    private static final int STEPS = 12;

    @Test
    void killedAndResumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        Path killed = tmp.resolve("killed");
        Process uninterrupted = child(whole, 0);
        assertTrue(uninterrupted.waitFor(120, TimeUnit.SECONDS), "uninterrupted run timed out");
        assertEquals(0, uninterrupted.exitValue(), "uninterrupted run failed");

        Process victim = child(killed, 400);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Optional<Path> written = Optional.empty();
        while (System.nanoTime() < deadline) {
            written = TrainingCheckpoint.latest(killed);
            if (written.isPresent() || !victim.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(written.isPresent(), "the child wrote no checkpoint");
        assertTrue(victim.isAlive(), "the child finished before it could be killed");
        victim.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no chance to tidy up
        victim.waitFor(30, TimeUnit.SECONDS);
        Path lastBeforeKill = TrainingCheckpoint.latest(killed).orElseThrow();
        long killedAt = Long.parseLong(lastBeforeKill.getFileName().toString().substring("step-".length()));
        System.out.printf("killed after checkpoint step %d of %d%n", killedAt, STEPS);
        assertTrue(killedAt < STEPS, "the kill came after the last step");

        Process resumed = child(killed, 0);
        assertTrue(resumed.waitFor(120, TimeUnit.SECONDS), "resumed run timed out");
        assertEquals(0, resumed.exitValue(), "resumed run failed");

        Path a = TrainingCheckpoint.latest(whole).orElseThrow();
        Path b = TrainingCheckpoint.latest(killed).orElseThrow();
        assertEquals(TrainingCheckpoint.directoryName(STEPS), a.getFileName().toString());
        assertEquals(a.getFileName(), b.getFileName());
        for (String file : List.of(TrainingCheckpoint.MODEL_FILE, TrainingCheckpoint.OPTIMIZER_FILE,
                TrainingCheckpoint.STATE_FILE)) {
            assertArrayEquals(Files.readAllBytes(a.resolve(file)), Files.readAllBytes(b.resolve(file)),
                    file + " differs between the uninterrupted and the killed-and-resumed run");
        }
        try (var leftovers = Files.list(killed)) {
            assertFalse(leftovers.anyMatch(p -> p.getFileName().toString().startsWith(".")),
                    "a temporary checkpoint directory was left behind");
        }
    }

    private static Process child(Path dir, long pauseMillis) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-preview")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Desm2j.threads=2");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KilledRunChild.class.getName());
        cmd.add(dir.toString());
        cmd.add(Integer.toString(STEPS));
        cmd.add(Long.toString(pauseMillis));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling(dir.getFileName() + "-" + pauseMillis + ".log").toFile());
        return pb.start();
    }
}
