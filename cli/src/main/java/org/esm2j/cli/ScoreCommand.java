package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.FastaRecord;
import org.esm2j.data.LengthPolicy;
import org.esm2j.score.MutationListReader;
import org.esm2j.score.MutationSet;
import org.esm2j.score.ScoreTsvWriter;
import org.esm2j.score.ScoringStrategy;
import org.esm2j.score.VariantScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code esm2j score}: zero-shot variant-effect scores, as fair-esm's variant-prediction example computes them. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score substitutions of a wild-type sequence with an ESM-2 model (log-probability of the "
            + "mutant minus the wild type; higher = more plausible).",
            "Output: TSV with the header 'mutation<TAB>score', one line per mutation set in input order."},
        footer = {"", "Mutations: A42G (wild type A at position 42 becomes G); a multi-site variant joins "
            + "substitutions with ':' (A42G:K50R) and scores the sum over its sites.",
            "Positions are 1-based by default (--offset 1); fair-esm's predict.py defaults to 0 (--offset-idx).",
            "Strategies: masked-marginals (default; ESM-1v's best), wt-marginals (one pass), mt-marginals (one pass "
            + "per variant), pll (pseudo-log-likelihood ratio; n passes per sequence)."})
public final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-s", "--sequence"}, paramLabel = "SEQ", description = "The wild-type sequence.")
    String sequence;

    @Option(names = {"-f", "--fasta"}, paramLabel = "FASTA",
            description = "Read the wild type from a FASTA file (- for standard input).")
    Path fasta;

    @Option(names = "--record", paramLabel = "ID",
            description = "Which FASTA record is the wild type (needed when the file has several).")
    String record;

    @Option(names = "--mutations", split = ",", paramLabel = "A42G,K50R",
            description = "Comma-separated mutation sets.")
    List<String> mutations;

    @Option(names = "--mutations-file", paramLabel = "FILE",
            description = "One mutation set per line, or a TSV/CSV whose first column holds them (header skipped, "
                    + "# comments).")
    Path mutationsFile;

    @Option(names = "--strategy", paramLabel = "STRATEGY", defaultValue = "masked-marginals",
            converter = StrategyConverter.class,
            description = "wt-marginals, masked-marginals, mt-marginals or pll (default ${DEFAULT-VALUE}).")
    ScoringStrategy strategy;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "1",
            description = "The number of the first residue in mutation positions (default ${DEFAULT-VALUE}).")
    int offset;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "Write the TSV here, atomically (default, or -: standard output). Must be a regular file "
                    + "or a new path, and not one of the inputs.")
    Path out;

    @Mixin
    ConsoleOptions console;

    @Option(names = "--toks-per-batch", paramLabel = "N", defaultValue = "4096",
            description = "Padded tokens per forward pass (default ${DEFAULT-VALUE}); results do not depend on it.")
    int tokensPerBatch;

    @Override
    public Integer call() {
        if ((sequence == null) == (fasta == null)) {
            throw new ParameterException(spec.commandLine(), "give the wild type with exactly one of --sequence or "
                    + "--fasta");
        }
        if (record != null && fasta == null) {
            throw new ParameterException(spec.commandLine(), "--record needs --fasta");
        }
        if ((mutations == null) == (mutationsFile == null)) {
            throw new ParameterException(spec.commandLine(), "give the variants with exactly one of --mutations or "
                    + "--mutations-file");
        }
        if (tokensPerBatch < 1) {
            throw new ParameterException(spec.commandLine(), "--toks-per-batch must be at least 1, got "
                    + tokensPerBatch);
        }
        OutputTarget target = OutputTarget.of(out == null ? Path.of(OutputTarget.STANDARD_OUTPUT) : out);
        if (!target.isStandardOutput()) {
            OutputFormat named = OutputFormat.forExtension(out).orElse(OutputFormat.TSV);
            if (named != OutputFormat.TSV) {
                throw new ParameterException(spec.commandLine(), "score writes TSV, but --out " + out + " names the "
                        + named.cliName() + " format");
            }
            List<Path> inputs = new ArrayList<>(modelOptions.inputPaths());
            inputs.add(fasta);
            inputs.add(mutationsFile);
            target = target.check(spec, "--out", OutputFormat.TSV, inputs);
        }
        String wildType = sequence != null ? sequence : wildTypeFromFasta();
        checkLength(wildType);
        List<MutationSet> sets = readMutations();

        PrintWriter err = spec.commandLine().getErr();
        LoadedCheckpoint checkpoint = modelOptions.loadCheckpoint(
                ModelOptions.downloadListener(err, console.showProgress()));
        List<Double> scores;
        try (Esm2Model model = modelOptions.loadModel(spec, checkpoint)) {
            scores = new VariantScorer(model, tokensPerBatch).score(wildType, sets, strategy);
        }
        if (!target.isStandardOutput()) {
            ScoreTsvWriter.write(target.path(), sets, scores);
        } else {
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.print(ScoreTsvWriter.HEADER + "\n");
            for (int i = 0; i < sets.size(); i++) {
                stdout.print(sets.get(i).text() + "\t" + String.format(Locale.ROOT, "%.6f", scores.get(i)) + "\n");
            }
            stdout.flush();
        }
        return 0;
    }

    /**
     * The length policy of embed without its escapes: over 1022 residues the scores would come from a model run
     * beyond its training length, and windows or truncation would change what a variant is scored against.
     */
    private static void checkLength(String wildType) {
        int limit = LengthPolicy.DEFAULT_MAX_RESIDUES;
        if (wildType.length() > limit) {
            throw new InvalidInputException("the wild type has " + wildType.length() + " residues, more than the "
                    + "model's limit of " + limit + " (" + (limit + 2) + " tokens with <cls> and <eos>); score a "
                    + "fragment of at most " + limit + " residues around the mutated sites");
        }
    }

    private String wildTypeFromFasta() {
        List<FastaRecord> records = SequenceOptions.readFasta(fasta);
        if (record == null) {
            if (records.size() != 1) {
                throw new InvalidInputException(fasta + " has " + records.size() + " records; choose the wild type "
                        + "with --record ID");
            }
            return records.get(0).sequence();
        }
        List<String> ids = new ArrayList<>();
        for (FastaRecord r : records) {
            if (r.id().equals(record)) {
                return r.sequence();
            }
            ids.add(r.id());
        }
        throw new InvalidInputException("no record '" + record + "' in " + fasta + " (records: "
                + String.join(", ", ids.size() > 10 ? ids.subList(0, 10) : ids) + (ids.size() > 10 ? ", ..." : "")
                + ")");
    }

    private List<MutationSet> readMutations() {
        if (mutationsFile != null) {
            return MutationListReader.read(mutationsFile, offset);
        }
        List<MutationSet> sets = new ArrayList<>();
        for (String text : mutations) {
            if (!text.isBlank()) {
                sets.add(MutationSet.parse(text.strip(), offset));
            }
        }
        if (sets.isEmpty()) {
            throw new InvalidInputException("--mutations lists no mutation");
        }
        return sets;
    }

    /** {@code --strategy}: the scorer's names plus {@code pll} for the pseudo-log-likelihood ratio. */
    static final class StrategyConverter implements ITypeConverter<ScoringStrategy> {
        @Override
        public ScoringStrategy convert(String value) {
            if (value.strip().equalsIgnoreCase("pll")) {
                return ScoringStrategy.PSEUDO_LIKELIHOOD;
            }
            try {
                return ScoringStrategy.fromCliName(value);
            } catch (InvalidInputException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
