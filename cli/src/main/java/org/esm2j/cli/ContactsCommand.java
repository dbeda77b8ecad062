package org.esm2j.cli;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code esm2j contacts}: contact maps only, the cheapest way to get them (no representations are kept). */
@Command(name = "contacts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict residue-residue contact probabilities (n x n per record, fair-esm's contact head) "
            + "for every record of a FASTA file.",
            "safetensors/npz: one array <id>/contacts per record plus the metadata of 'esm2j embed'. "
            + "tsv: lines record, i, j, probability for 1-based residues i < j (the maps are symmetric), records in "
            + "input order; --out - writes it to standard output."},
        footer = {"", "With --window a pair is averaged over the windows holding both residues; pairs no window "
            + "holds are NaN."})
public final class ContactsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SequenceOptions sequences;

    @Mixin
    OutputOptions output;

    @Mixin
    ConsoleOptions console;

    /** The formats contacts writes; tsv is the one for standard output. */
    static final List<OutputFormat> FORMATS = List.of(OutputFormat.SAFETENSORS, OutputFormat.NPZ, OutputFormat.TSV);

    @Override
    public Integer call() throws IOException {
        EmbedCommand.writeOutputs(spec, modelOptions, sequences, output, console, FORMATS, OutputFormat.TSV,
                EnumSet.of(OutputKind.CONTACTS), LayerSelection.parse("-1"));
        return 0;
    }
}
