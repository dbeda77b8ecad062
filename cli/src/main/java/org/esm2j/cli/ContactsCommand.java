package org.esm2j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code esm2j contacts}: contact maps only, the cheapest way to get them (no representations are kept). */
@Command(name = "contacts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict residue-residue contact probabilities (n x n per record, fair-esm's contact head) "
            + "for every record of a FASTA file.",
            "safetensors/npz: one array <id>/contacts per record plus the metadata of 'esm2j embed'. "
            + "tsv: lines record, i, j, probability for 1-based residues i < j (the maps are symmetric)."},
        footer = {"", "With --window a pair is averaged over the windows holding both residues; pairs no window "
            + "holds are NaN."})
public final class ContactsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SequenceOptions sequences;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
            description = "Output file; written atomically (no partial file on failure).")
    Path out;

    @Option(names = "--format", paramLabel = "safetensors|npz|tsv", converter = OutputFormat.Converter.class,
            description = "Output format (default: from the --out extension, .npz or .tsv, else safetensors).")
    OutputFormat format;

    @Option(names = "--progress", negatable = true,
            description = "Show progress on stderr (default: only when attached to a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws IOException {
        OutputFormat chosen = format != null ? format : OutputFormat.forPath(out);
        EmbedCommand.writeOutputs(spec, modelOptions, sequences, out, chosen, EnumSet.of(OutputKind.CONTACTS),
                LayerSelection.parse("-1"), progress);
        return 0;
    }
}
