package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Every help text is a valid format string. Picocli passes descriptions, headers and footers through
 * {@link String#format}; a lone {@code %} (as in "15% selection") makes it print a warning on every {@code --help} and
 * show the text unformatted, so a literal percent sign has to be written {@code %%}.
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpTextIsAValidFormatString() {
        List<String> problems = new ArrayList<>();
        collectProblems(Esm2jCommand.newCommandLine(), problems);
        assertTrue(problems.isEmpty(), () -> "help texts picocli cannot format:\n" + String.join("\n", problems));
    }

    private static void collectProblems(CommandLine command, List<String> problems) {
        CommandSpec spec = command.getCommandSpec();
        UsageMessageSpec usage = spec.usageMessage();
        List<String> texts = new ArrayList<>();
        texts.addAll(List.of(usage.header()));
        texts.addAll(List.of(usage.description()));
        texts.addAll(List.of(usage.footer()));
        for (ArgSpec arg : spec.args()) {
            texts.addAll(List.of(arg.description()));
        }
        for (String text : texts) {
            try {
                String.format(Locale.ROOT, text);
            } catch (IllegalFormatException e) {
                problems.add(spec.qualifiedName() + ": " + e + " in \"" + text + "\"");
            }
        }
        command.getSubcommands().values().forEach(sub -> collectProblems(sub, problems));
    }
}
