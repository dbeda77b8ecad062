package org.esm2j.checkpoint;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.ZipFile;
import org.esm2j.Esm2jException;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random corruptions of real checkpoints (fixed seeds): every case must load or fail with the library's own
 * exception, within 2 s, without running out of memory. Mutations aim mostly at the structure (pickle, zip directory,
 * safetensors header), where a bug would show, and partly anywhere.
 */
class CheckpointFuzzTest {
    /** Cases per file; -Desm2j.fuzzCases=N runs more (or fewer) locally. */
    private static final int CASES = Integer.getInteger("esm2j.fuzzCases", 2000);
    private static final Duration PER_CASE = Duration.ofSeconds(2);

    @TempDir
    Path tmp;

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "checkpoint-fuzz");
        t.setDaemon(true); // a hung case must not keep the JVM alive
        return t;
    });

    @AfterEach
    void stopWorker() {
        worker.shutdownNow();
    }

    /** Byte ranges a mutation is steered into; the remaining share goes anywhere in the file. */
    private record Target(int start, int end) {
    }

    @Test
    void corruptedMetaCheckpointsLoadOrFailCleanly() throws IOException {
        byte[] original = Files.readAllBytes(Fixtures.metaCheckpoint(Fixtures.TINY));
        int pickleStart;
        try (ZipFile zip = new ZipFile(Fixtures.metaCheckpoint(Fixtures.TINY).toFile())) {
            byte[] pickle = zip.getInputStream(zip.getEntry(Fixtures.TINY + "/data.pkl")).readAllBytes();
            pickleStart = indexOf(original, pickle);
            Target pickleRange = new Target(pickleStart, pickleStart + pickle.length);
            Target directory = new Target(original.length - 6000, original.length);
            fuzz(original, "tiny.pt", 20240601L, pickleRange, directory);
        }
    }

    @Test
    void corruptedSafetensorsLoadOrFailCleanly() throws IOException {
        byte[] original = Files.readAllBytes(Fixtures.huggingFaceFolder(Fixtures.TINY).resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Target header = new Target(0, (int) (8 + headerLength));
        fuzz(original, "model.safetensors", 20240602L, header, header);
    }

    private void fuzz(byte[] original, String fileName, long seed, Target primary, Target secondary)
            throws IOException {
        Random random = new Random(seed);
        Path file = tmp.resolve(fileName);
        int loaded = 0;
        int refused = 0;
        long start = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            double r = random.nextDouble();
            Target target = r < 0.45 ? primary : r < 0.75 ? secondary : new Target(0, original.length);
            byte[] mutated = mutate(original, random, target);
            Files.write(file, mutated);
            String what = "case " + i + " (seed " + seed + ", " + mutated.length + " bytes)";
            if (loadsOrRefusesCleanly(file, what)) {
                loaded++;
            } else {
                refused++;
            }
        }
        System.out.printf("%s fuzz: %d cases, %d loaded, %d refused cleanly, %.1f s%n", fileName, CASES, loaded,
                refused, (System.nanoTime() - start) / 1e9);
    }

    /** True when the file loaded, false when it was refused with the library's exception; fails otherwise. */
    private boolean loadsOrRefusesCleanly(Path file, String what) {
        Future<Boolean> result = worker.submit(() -> {
            try {
                CheckpointLoader.load(file);
                return true;
            } catch (Esm2jException expected) {
                return false;
            }
        });
        try {
            return result.get(PER_CASE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            return fail(what + " took longer than " + PER_CASE);
        } catch (ExecutionException e) {
            return fail(what + ": " + e.getCause().getClass().getName() + " instead of a CheckpointException",
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(what + " was interrupted");
        }
    }

    private static byte[] mutate(byte[] original, Random random, Target t) {
        int at = t.start() + random.nextInt(Math.max(1, t.end() - t.start()));
        switch (random.nextInt(4)) {
            case 0: { // flip one bit
                byte[] b = original.clone();
                b[at] ^= (byte) (1 << random.nextInt(8));
                return b;
            }
            case 1: { // overwrite 1..8 bytes, often with boundary values
                byte[] b = original.clone();
                int n = 1 + random.nextInt(8);
                byte fill = (byte) (random.nextBoolean() ? 0xff : random.nextBoolean() ? 0 : random.nextInt());
                for (int k = 0; k < n && at + k < b.length; k++) {
                    b[at + k] = random.nextBoolean() ? fill : (byte) random.nextInt();
                }
                return b;
            }
            case 2: // truncate
                return Arrays.copyOf(original, at);
            default: { // insert 1..16 random bytes
                int n = 1 + random.nextInt(16);
                byte[] b = new byte[original.length + n];
                System.arraycopy(original, 0, b, 0, at);
                for (int k = 0; k < n; k++) {
                    b[at + k] = (byte) random.nextInt();
                }
                System.arraycopy(original, at, b, at + n, original.length - at);
                return b;
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("pickle not found in the zip bytes");
    }
}
