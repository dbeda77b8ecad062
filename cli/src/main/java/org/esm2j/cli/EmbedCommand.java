package org.esm2j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.esm2j.CheckpointException;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code esm2j embed}: per-residue and per-sequence representations (and optionally more) for a FASTA file. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute ESM-2 representations for every record of a FASTA file, like fair-esm's extract.py, "
            + "into one safetensors or npz file.",
            "Arrays (float32) per record id: <id>/repr/<layer> (n x D residue rows, no cls/eos), <id>/mean/<layer> "
            + "(D), <id>/bos/<layer> (D), <id>/logits (n x 33), <id>/contacts (n x n), <id>/attentions "
            + "(L x H x T x T, T = n + 2)."},
        footer = {"", "Metadata (safetensors __metadata__, or the __metadata__.json member of an npz): format, "
            + "esm2j.version, model, model.source, model.sha256, esm2j.config (JSON), records (ids in input order, "
            + "JSON), residues (rows per record, JSON), layers (JSON), include (JSON), length_policy.",
            "With --window: repr, logits and contacts are averaged over the windows covering each residue (pair); "
            + "mean is the mean of the merged rows; bos is the first window's; attentions are refused.",
            "Memory: one batch of outputs at a time. safetensors output is staged in a scratch file beside the "
            + "output (twice the output size on disk until the end); npz is streamed directly."})
public final class EmbedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SequenceOptions sequences;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
            description = "Output file; written atomically (no partial file on failure).")
    Path out;

    @Option(names = "--layers", paramLabel = "all|-1|0,3", defaultValue = "-1", converter = LayerSelection.Converter.class,
            description = "Representation layers: all, or comma-separated indices, negative from the end "
                    + "(0 = embeddings, -1 = final layer after its LayerNorm; default ${DEFAULT-VALUE}).")
    LayerSelection layers;

    @Option(names = "--include", split = ",", paramLabel = "WHAT", defaultValue = "per-residue,mean",
            converter = OutputKind.Converter.class,
            description = "Comma-separated: per-residue, mean, bos, logits, contacts, attentions "
                    + "(default ${DEFAULT-VALUE}).")
    List<OutputKind> include;

    @Option(names = "--format", paramLabel = "safetensors|npz", converter = OutputFormat.Converter.class,
            description = "Output format (default: from the --out extension, .npz for npz, else safetensors).")
    OutputFormat format;

    @Option(names = "--progress", negatable = true,
            description = "Show progress on stderr (default: only when attached to a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws IOException {
        Set<OutputKind> kinds = include.isEmpty() ? EnumSet.noneOf(OutputKind.class) : EnumSet.copyOf(include);
        OutputFormat chosen = format != null ? format : OutputFormat.forPath(out);
        if (chosen == OutputFormat.TSV) {
            throw new ParameterException(spec.commandLine(), "embed writes safetensors or npz; contact maps as TSV "
                    + "come from 'esm2j contacts --format tsv'");
        }
        if (kinds.contains(OutputKind.ATTENTIONS) && sequences.window != null) {
            throw new ParameterException(spec.commandLine(), "--include attentions cannot be combined with "
                    + "--window: windows have no common token axis to merge attention maps on");
        }
        writeOutputs(spec, modelOptions, sequences, out, chosen, kinds, layers, progress);
        return 0;
    }

    /** The shared body of {@code embed} and {@code contacts}: validate input, load, run, write atomically. */
    static void writeOutputs(CommandSpec spec, ModelOptions modelOptions, SequenceOptions sequences, Path out,
            OutputFormat format, Set<OutputKind> kinds, LayerSelection layers, Boolean progressOption)
            throws IOException {
        List<SequenceOptions.Prepared> prepared = sequences.prepare(spec);
        PrintWriter err = spec.commandLine().getErr();
        boolean showProgress = progressOption != null ? progressOption : System.console() != null;
        LoadedCheckpoint checkpoint = modelOptions.loadCheckpoint(
                ModelOptions.downloadListener(err, showProgress));
        if (kinds.contains(OutputKind.CONTACTS) && !checkpoint.weights().hasContactHead()) {
            throw new CheckpointException("model '" + modelOptions.model + "' has no contact-regression weights, "
                    + "which contacts need (a fair-esm .pt needs its NAME-contact-regression.pt beside it)");
        }
        int numLayers = checkpoint.weights().config().numLayers();
        boolean layerBased = kinds.stream().anyMatch(OutputKind::usesLayers);
        SortedSet<Integer> layerSet = layerBased ? layers.resolve(numLayers) : new TreeSet<>();
        try (Esm2Model model = modelOptions.loadModel(spec, checkpoint)) {
            ProgressBar bar = showProgress ? new ProgressBar(err, spec.name(), prepared.size(),
                    EmbeddingRun.totalTokens(prepared)) : null;
            EmbeddingRun run = new EmbeddingRun(model, prepared, kinds, layerSet, sequences.tokensPerBatch, bar);
            format.write(out, sink -> {
                run.run(sink);
                return metadata(spec, modelOptions, sequences, checkpoint, prepared, layerSet, kinds);
            });
            if (bar != null) {
                bar.finish();
                err.println("wrote " + prepared.size() + " records to " + out);
                err.flush();
            }
        }
    }

    private static Map<String, String> metadata(CommandSpec spec, ModelOptions modelOptions,
            SequenceOptions sequences, LoadedCheckpoint checkpoint, List<SequenceOptions.Prepared> prepared,
            SortedSet<Integer> layers, Set<OutputKind> kinds) {
        List<String> ids = new ArrayList<>();
        List<Integer> residues = new ArrayList<>();
        for (SequenceOptions.Prepared p : prepared) {
            ids.add(p.record().id());
            residues.add(p.windows().length());
        }
        List<String> included = new ArrayList<>();
        kinds.forEach(k -> included.add(k.cliName()));
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "esm2j-embeddings");
        m.put("esm2j.version", VersionProvider.version());
        m.put("model", modelOptions.displayName());
        m.put("model.source", String.valueOf(checkpoint.sourceName()));
        m.put("model.sha256", String.valueOf(checkpoint.sourceSha256()));
        m.put("esm2j.config", checkpoint.weights().config().toJson());
        m.put("records", Json.write(ids));
        m.put("residues", Json.write(residues));
        m.put("layers", Json.write(new ArrayList<>(layers)));
        m.put("include", Json.write(included));
        m.put("length_policy", sequences.describePolicy(spec));
        return m;
    }
}
