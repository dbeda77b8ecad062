package org.esm2j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;

/** Runs esm2j commands in-process, capturing stdout and stderr, as the tests' stand-in for the shell. */
final class Cli {
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(Object... args) {
        String[] argv = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        CommandLine cmd = Esm2jCommand.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(argv);
        return new Result(code, out.toString(), err.toString());
    }

    /** A FASTA file with the given id -> sequence entries, in order. */
    static Path fasta(Path dir, String name, Map<String, String> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        records.forEach((id, seq) -> sb.append('>').append(id).append(" test record\n").append(seq).append('\n'));
        Path file = dir.resolve(name);
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }
}
