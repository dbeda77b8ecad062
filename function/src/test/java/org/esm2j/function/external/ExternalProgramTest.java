package org.esm2j.function.external;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.esm2j.Esm2jException;
import org.esm2j.data.FastaRecord;
import org.junit.jupiter.api.Test;

class ExternalProgramTest {
    private static Path shell() {
        Path sh = Path.of("/bin/sh");
        assumeTrue(Files.isExecutable(sh), "no /bin/sh on this machine");
        return sh;
    }

    @Test
    void aFailingRunNamesTheProgramItsSubCommandTheExitCodeAndItsLastOutput() {
        ExternalProgram program = new ExternalProgram("fake-tool", shell());
        try (ScratchFolder scratch = ScratchFolder.create("test")) {
            Esm2jException e = assertThrows(Esm2jException.class, () -> program.run(scratch.path(),
                    List.of("-c", "echo first; echo 'the reason' >&2; exit 7")));
            assertTrue(e.getMessage().startsWith("fake-tool -c failed with exit code 7"), e.getMessage());
            assertTrue(e.getMessage().endsWith("first\nthe reason\n"), e.getMessage());
        }
    }

    @Test
    void aSuccessfulRunWorksInItsFolderAndTheScratchFolderIsDeletedOnClose() throws Exception {
        ExternalProgram program = new ExternalProgram("fake-tool", shell());
        Path dir;
        try (ScratchFolder scratch = ScratchFolder.create("test")) {
            dir = scratch.path();
            program.run(dir, List.of("-c", "mkdir sub && echo out > sub/result.txt"));
            assertEquals("out\n", Files.readString(scratch.resolve("sub/result.txt"), StandardCharsets.UTF_8));
        }
        assertFalse(Files.exists(dir), dir + " still exists");
    }

    @Test
    void aProgramThatCannotStartIsNamed() {
        ExternalProgram program = new ExternalProgram("missing-tool", Path.of("/nonexistent/missing-tool"));
        try (ScratchFolder scratch = ScratchFolder.create("test")) {
            Esm2jException e = assertThrows(Esm2jException.class, () -> program.run(scratch.path(), List.of("x")));
            assertTrue(e.getMessage().startsWith("cannot run missing-tool (/nonexistent/missing-tool)"),
                    e.getMessage());
        }
    }

    @Test
    void indexedNamesMapBackToTheRecordsWhateverTheirIds() throws Exception {
        List<FastaRecord> records = List.of(new FastaRecord("sp|P12345|ONE", "", "MKV"),
                new FastaRecord("two_words", "", "ACD"));
        IndexedFasta fasta = new IndexedFasta("fake-tool", "q", records);
        try (ScratchFolder scratch = ScratchFolder.create("test")) {
            fasta.write(scratch.resolve("in.fasta"));
            assertEquals(">q0\nMKV\n>q1\nACD\n", Files.readString(scratch.resolve("in.fasta")));
        }
        assertEquals("two_words", fasta.record("q1").id());
        Esm2jException e = assertThrows(Esm2jException.class, () -> fasta.record("t0"));
        assertEquals("fake-tool reported an unknown sequence 't0'", e.getMessage());
        assertThrows(Esm2jException.class, () -> fasta.record("q2"));
    }
}
