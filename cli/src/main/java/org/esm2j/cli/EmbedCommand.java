package org.esm2j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
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
import org.esm2j.Esm2jVersion;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.io.Json;
import org.esm2j.io.Sha256;
import org.esm2j.model.Esm2Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code esm2j embed}: per-residue and per-sequence representations (and optionally more) for a FASTA file. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute ESM-2 representations for every record of a FASTA file, like fair-esm's extract.py, "
            + "into one safetensors or npz file, or per-protein tables (mean, bos) as .npy or Arrow.",
            "Arrays (float32) per record id: <id>/repr/<layer> (n x D residue rows, no cls/eos), <id>/mean/<layer> "
            + "(D), <id>/bos/<layer> (D), <id>/logits (n x 33), <id>/contacts (n x n), <id>/attentions "
            + "(L x H x T x T, T = n + 2)."},
        footer = {"", "Metadata (safetensors __metadata__, or the __metadata__.json member of an npz): format, "
            + "esm2j.version, model, model.source, model.sha256, esm2j.config (JSON), records (ids in input order, "
            + "JSON), residues (rows per record, JSON), layers (JSON), include (JSON), length_policy.",
            "With --window: repr, logits and contacts are averaged over the windows covering each residue (pair); "
            + "mean is the mean of the merged rows; bos is the first window's; attentions are refused.",
            "Memory: one batch of outputs at a time. safetensors output is staged in a scratch file beside the "
            + "output (twice the output size on disk until the end); npz and tables are streamed, records that "
            + "finish before their turn waiting in a scratch file.",
            "Tables (one row per record in input order; --include mean and/or bos): .npy = one (N x D) matrix plus "
            + "<name>.ids.txt (one array: one kind, one layer); .arrow/.feather = Arrow IPC with an id column and "
            + "one column per array (pandas.read_feather, polars.read_ipc)."})
public final class EmbedCommand implements Callable<Integer> {
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

    @Option(names = "--layers", paramLabel = "all|-1|0,3", defaultValue = "-1", converter = LayerSelection.Converter.class,
            description = "Representation layers: all, or comma-separated indices, negative from the end "
                    + "(0 = embeddings, -1 = final layer after its LayerNorm; default ${DEFAULT-VALUE}).")
    LayerSelection layers;

    @Option(names = "--include", split = ",", paramLabel = "WHAT", defaultValue = "per-residue,mean",
            converter = OutputKind.Converter.class,
            description = "Comma-separated: per-residue, mean, bos, logits, contacts, attentions "
                    + "(default ${DEFAULT-VALUE}).")
    List<OutputKind> include;

    /** The formats embed writes. */
    static final List<OutputFormat> FORMATS = List.of(OutputFormat.SAFETENSORS, OutputFormat.NPZ, OutputFormat.NPY,
            OutputFormat.ARROW);

    @Override
    public Integer call() throws IOException {
        Set<OutputKind> kinds = include.isEmpty() ? EnumSet.noneOf(OutputKind.class) : EnumSet.copyOf(include);
        if (kinds.contains(OutputKind.ATTENTIONS) && sequences.window != null) {
            throw new ParameterException(spec.commandLine(), "--include attentions cannot be combined with "
                    + "--window: windows have no common token axis to merge attention maps on");
        }
        writeOutputs(spec, modelOptions, sequences, output, console, FORMATS, null, kinds, layers);
        return 0;
    }

    /**
     * The shared body of {@code embed} and {@code contacts}: check the output target and the input before anything
     * is loaded, then load, estimate (and stop there for --dry-run), run, write atomically (through resume shards
     * with --resume).
     *
     * @param stdoutFormat the format for {@code --out -} without {@code --format}, or null to require one
     */
    static void writeOutputs(CommandSpec spec, ModelOptions modelOptions, SequenceOptions sequences,
            OutputOptions output, ConsoleOptions console, List<OutputFormat> formats, OutputFormat stdoutFormat,
            Set<OutputKind> kinds, LayerSelection layers) throws IOException {
        OutputTarget target = OutputTarget.of(output.out);
        OutputFormat format = OutputFormat.choose(spec, target, output.format, formats, stdoutFormat);
        checkFits(spec, format, kinds);
        if (output.resume && target.isStandardOutput()) {
            throw new ParameterException(spec.commandLine(), "--resume needs a file for --out, not standard output");
        }
        target = target.check(spec, "--out", format, inputs(modelOptions, sequences));
        List<SequenceOptions.Prepared> prepared = sequences.prepare(spec);
        PrintWriter err = spec.commandLine().getErr();
        boolean showProgress = console.showProgress();
        LoadedCheckpoint checkpoint = modelOptions.loadCheckpoint(
                ModelOptions.downloadListener(err, showProgress));
        if (kinds.contains(OutputKind.CONTACTS) && !checkpoint.weights().hasContactHead()) {
            throw new CheckpointException("model '" + modelOptions.model + "' has no contact-regression weights, "
                    + "which contacts need (a fair-esm .pt needs its NAME-contact-regression.pt beside it)");
        }
        Esm2Config config = checkpoint.weights().config();
        boolean layerBased = kinds.stream().anyMatch(OutputKind::usesLayers);
        SortedSet<Integer> layerSet = layerBased ? layers.resolve(config.numLayers()) : new TreeSet<>();
        OutputLayout layout = layout(prepared, config, kinds, layerSet);
        if (format == OutputFormat.NPY && layout.sequenceLevelKeys().size() != 1) {
            throw new ParameterException(spec.commandLine(), "an .npy table holds one array per record, but "
                    + "--include and --layers ask for " + layout.sequenceLevelKeys() + "; choose one of mean or "
                    + "bos and one layer, or write --format arrow");
        }
        RunEstimate estimate = RunEstimate.of(prepared, config, kinds, layerSet.size(), format,
                sequences.tokensPerBatch, output.resume);
        target.checkRoom(spec, "--out", estimate.diskBytes());
        if (output.dryRun) {
            estimate.print(spec.commandLine().getOut(), sequences.describePolicy(spec), sequences.tokensPerBatch,
                    format, target);
            return;
        }
        Map<String, String> metadata = metadata(modelOptions, sequences.describePolicy(spec), checkpoint, prepared,
                layerSet, kinds);
        try (Esm2Model model = modelOptions.loadModel(spec, checkpoint)) {
            ProgressBar bar = showProgress ? new ProgressBar(err, spec.name(), prepared.size(),
                    EmbeddingRun.totalTokens(prepared)) : null;
            EmbeddingRun run = new EmbeddingRun(model, prepared, kinds, layerSet, sequences.tokensPerBatch, bar);
            if (output.resume) {
                runResumable(target, format, layout, metadata, run, prepared, sequences.tokensPerBatch, console, err);
            } else {
                format.write(target, layout, metadata, run::run);
            }
            if (bar != null) {
                bar.finish();
            }
            if (showProgress) {
                err.println("wrote " + prepared.size() + " records to " + target);
                err.flush();
            }
        }
    }

    /** Table formats hold one row of sequence-level arrays per record; TSV holds contact maps only. */
    private static void checkFits(CommandSpec spec, OutputFormat format, Set<OutputKind> kinds) {
        if (format.isTable()) {
            for (OutputKind k : kinds) {
                if (k != OutputKind.MEAN && k != OutputKind.BOS) {
                    throw new ParameterException(spec.commandLine(), "the " + format.cliName() + " table holds "
                            + "one row per protein: only mean and bos fit, not " + k.cliName()
                            + " (use safetensors or npz)");
                }
            }
        }
    }

    /** What the run reads: the output must not be any of it. */
    private static List<Path> inputs(ModelOptions modelOptions, SequenceOptions sequences) {
        List<Path> inputs = new ArrayList<>(modelOptions.inputPaths());
        if (!SequenceOptions.isStandardInput(sequences.fasta)) {
            inputs.add(sequences.fasta);
        }
        return inputs;
    }

    private static OutputLayout layout(List<SequenceOptions.Prepared> prepared, Esm2Config config,
            Set<OutputKind> kinds, SortedSet<Integer> layers) {
        List<String> ids = new ArrayList<>();
        prepared.forEach(p -> ids.add(p.record().id()));
        List<String> keys = new ArrayList<>();
        for (int layer : layers) { // the order EmbeddingRun emits them in
            if (kinds.contains(OutputKind.MEAN)) {
                keys.add(EmbeddingRun.MEAN_KEY + layer);
            }
            if (kinds.contains(OutputKind.BOS)) {
                keys.add(EmbeddingRun.BOS_KEY + layer);
            }
        }
        return new OutputLayout(ids, config.embedDim(), keys);
    }

    /**
     * Runs the batches an earlier attempt did not save into shards, then writes the output from the shards in input
     * order: the same sink calls in the same order as a direct run, hence the same bytes.
     */
    private static void runResumable(OutputTarget target, OutputFormat format, OutputLayout layout,
            Map<String, String> metadata, EmbeddingRun run, List<SequenceOptions.Prepared> prepared,
            int tokensPerBatch, ConsoleOptions console, PrintWriter err) throws IOException {
        String fingerprint = fingerprint(metadata, prepared, tokensPerBatch, format);
        ResumeStore store = ResumeStore.open(ResumeStore.directoryFor(target.path()), fingerprint, prepared.size());
        Set<Integer> done = store.done();
        if (!done.isEmpty()) {
            console.report(err, "resuming: " + done.size() + " of " + prepared.size() + " records already saved in "
                    + store.directory());
        }
        try (OutputSink shards = store.shardWriter()) {
            run.run(shards, done);
        }
        format.write(target, layout, metadata, sink -> store.replayInOrder(prepared.size(), sink));
        store.delete();
    }

    /** Everything that decides the output bytes: metadata (model hash, ids, layers, ...), tokens, batching, format. */
    private static String fingerprint(Map<String, String> metadata, List<SequenceOptions.Prepared> prepared,
            int tokensPerBatch, OutputFormat format) {
        MessageDigest sha = Sha256.newDigest();
        sha.update(Json.write(metadata).getBytes(StandardCharsets.UTF_8));
        sha.update((format.cliName() + "/" + tokensPerBatch).getBytes(StandardCharsets.UTF_8));
        for (SequenceOptions.Prepared p : prepared) {
            for (int w = 0; w < p.windows().count(); w++) {
                for (int t : p.windows().tokens(w)) {
                    sha.update((byte) t);
                }
                sha.update((byte) -1);
            }
        }
        return Sha256.hex(sha);
    }

    private static Map<String, String> metadata(ModelOptions modelOptions, String lengthPolicy,
            LoadedCheckpoint checkpoint, List<SequenceOptions.Prepared> prepared, SortedSet<Integer> layers,
            Set<OutputKind> kinds) {
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
        m.put("esm2j.version", Esm2jVersion.get());
        m.put("model", modelOptions.displayName());
        m.put("model.source", String.valueOf(checkpoint.sourceName()));
        m.put("model.sha256", String.valueOf(checkpoint.sourceSha256()));
        m.put("esm2j.config", checkpoint.weights().config().toJson());
        m.put("records", Json.write(ids));
        m.put("residues", Json.write(residues));
        m.put("layers", Json.write(new ArrayList<>(layers)));
        m.put("include", Json.write(included));
        m.put("length_policy", lengthPolicy);
        return m;
    }
}
