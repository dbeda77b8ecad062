package org.esm2j.cli;

import org.esm2j.io.ScratchFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code esm2j}: ESM-2 embeddings, contact maps, variant scores and checkpoint conversion from the command line.
 *
 * <p>Exit codes: 0 success; 1 an unexpected failure; 2 a usage error (unknown option, missing or malformed argument);
 * 3 invalid input (unknown residues, over-long sequences, malformed mutations, missing FASTA); 4 a checkpoint or model
 * problem (unreadable weights, unknown model name, failed download). Errors are one line on stderr,
 * {@code esm2j: error: ...}; {@code --verbose} adds the stack trace and debug logging.
 */
@Command(name = "esm2j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "ESM-2 protein language model on the JVM: embeddings, contact maps, variant-effect scores.",
        subcommands = {EmbedCommand.class, ContactsCommand.class, ScoreCommand.class, ConvertCommand.class,
            TrainMlmCommand.class, LabelsCommand.class, SplitCommand.class, EvaluateCommand.class,
            FinetuneCommand.class, PredictCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 unexpected error, 2 usage error, 3 invalid input, 4 checkpoint or model "
            + "problem.", "Models: a released name (e.g. esm2_t33_650M_UR50D, downloaded to $ESM2J_HOME, default "
            + "~/.cache/esm2j), a fair-esm .pt file, a Hugging Face folder, or an esm2j .safetensors file."})
public final class Esm2jCommand {
    static final String VERBOSE = "--verbose";

    @Option(names = {"-v", VERBOSE}, scope = ScopeType.INHERIT,
            description = "Print stack traces with errors and log at debug level.")
    boolean verbose;

    /** A command line with esm2j's error reporting and exit codes; tests run commands through this. */
    public static CommandLine newCommandLine() {
        CommandLine cmd = new CommandLine(new Esm2jCommand());
        ErrorReporter reporter = new ErrorReporter();
        cmd.setExecutionExceptionHandler(reporter);
        cmd.setParameterExceptionHandler(reporter);
        // 'esm2j <command> --version' prints the version too, for every command (their annotations name none)
        cmd.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new VersionProvider()));
        return cmd;
    }

    public static void main(String[] args) {
        configureLogging(args);
        // Ctrl-C or SIGTERM: the JVM exits 130 or 143 and this removes the temporary and scratch files of the run.
        Runtime.getRuntime().addShutdownHook(new Thread(ScratchFiles::deleteAll, "esm2j-cleanup"));
        System.exit(newCommandLine().execute(args));
    }

    /**
     * slf4j-simple reads its settings once, at the first logger, so they are set before picocli parses anything:
     * warnings only by default (backend choice and the like are debug chatter for a command-line user), debug with
     * {@code --verbose}. Settings given with {@code -D} win.
     */
    private static void configureLogging(String[] args) {
        boolean verbose = false;
        for (String a : args) {
            verbose |= a.equals(VERBOSE) || a.equals("-v");
        }
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
