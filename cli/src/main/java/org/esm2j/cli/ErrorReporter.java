package org.esm2j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.esm2j.CheckpointException;
import org.esm2j.InvalidInputException;
import org.esm2j.hub.HubException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns failures into one {@code esm2j: error: ...} line on stderr and the documented exit code. */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int UNEXPECTED = 1;
    static final int USAGE = CommandLine.ExitCode.USAGE; // 2
    static final int INVALID_INPUT = 3;
    static final int MODEL_PROBLEM = 4;

    /** Also reached by option combinations the commands reject after parsing (picocli routes them here). */
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("esm2j: error: " + ex.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        err.println("esm2j: error: " + describe(ex));
        if (verbose(parseResult)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return exitCode(ex);
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof InvalidInputException) {
            return INVALID_INPUT;
        }
        if (ex instanceof CheckpointException || ex instanceof HubException) {
            return MODEL_PROBLEM;
        }
        return UNEXPECTED;
    }

    /** The library's messages already name what is wrong; bare I/O exceptions only carry a path, so say what. */
    static String describe(Throwable ex) {
        if (ex instanceof NoSuchFileException) {
            return "file not found: " + ex.getMessage();
        }
        if (ex instanceof AccessDeniedException) {
            return "permission denied: " + ex.getMessage();
        }
        if (ex instanceof IOException) {
            return "I/O error: " + ex.getMessage();
        }
        String message = ex.getMessage();
        return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
    }

    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(Esm2jCommand.VERBOSE)) {
                return true;
            }
        }
        return false;
    }
}
