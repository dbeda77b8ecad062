package org.esm2j.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Starts esm2j's main in a separate JVM on the test classpath: for signals, kills and real standard streams. */
final class ChildCli {
    private ChildCli() {
    }

    static ProcessBuilder builder(Object... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--add-modules=jdk.incubator.vector");
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Esm2jCommand.class.getName());
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        return new ProcessBuilder(command);
    }

    /** Sends a signal by name (INT, TERM, KILL) with kill(1). */
    static void signal(Process process, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }
}
