package org.esm2j.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry the command line's shutdown hook empties: {@link AtomicFiles} temporaries are in it while they live.
 * {@link ScratchFiles#deleteAll} closes the registry for the whole JVM, so it is tested where it runs, in a real
 * interrupted process (the cli module's OutputSafetyTest).
 */
class ScratchFilesTest {
    @TempDir
    Path dir;

    @Test
    void atomicWritesRegisterTheirTemporaryOnlyWhileWriting() throws IOException {
        Path target = dir.resolve("out.bin");
        AtomicFiles.write(target, out -> {
            List<Path> live = ScratchFiles.live();
            assertTrue(live.stream().anyMatch(p -> p.getParent().equals(dir.toAbsolutePath())
                    && p.getFileName().toString().startsWith(".out.bin.")), "temporary registered: " + live);
            out.write(1);
        });
        assertTrue(ScratchFiles.live().stream().noneMatch(p -> p.startsWith(dir.toAbsolutePath())),
                "released after the rename");
        assertTrue(Files.exists(target));
    }
}
