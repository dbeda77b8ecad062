package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.esm2j.InvalidInputException;
import org.esm2j.data.FastaReader;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.labels.LabelTableReader;
import org.esm2j.function.labels.ProteinLabels;
import org.esm2j.function.similarity.SequenceClusters;
import org.esm2j.function.similarity.SimilarityBackend;
import org.esm2j.function.split.ClusterSplitter;
import org.esm2j.function.split.IterativeStratifier;
import org.esm2j.function.split.LeakageReport;
import org.esm2j.function.split.RandomSplitter;
import org.esm2j.function.split.SplitAssignment;
import org.esm2j.function.split.SplitFractions;
import org.esm2j.function.split.TemporalSplitter;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code esm2j split}: a train/valid/test (or k-fold) partition of a FASTA's proteins, written as
 * {@code protein<TAB>split}, with an optional leakage report of test-to-train sequence identity.
 */
@Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Split proteins for training and evaluation and write 'protein<TAB>split'. Methods: random "
                + "(seeded), stratified (iterative stratification of the labels), temporal (by the labels' dates), "
                + "cluster (whole sequence clusters at --identity, MMseqs2 or a pure-Java fallback).")
public final class SplitCommand implements Callable<Integer> {
    /** The split methods; named in lower case on the command line. */
    enum Method {
        RANDOM, STRATIFIED, TEMPORAL, CLUSTER;

        /** {@code --method}: a bad name is a usage error listing the good ones. */
        static final class Converter implements ITypeConverter<Method> {
            @Override
            public Method convert(String value) {
                try {
                    return valueOf(value.strip().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException("unknown method '" + value
                            + "' (expected random, stratified, temporal or cluster)");
                }
            }
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--fasta", paramLabel = "F.fasta[.gz]", required = true, description = "The proteins to split.")
    Path fasta;

    @Option(names = "--method", required = true, paramLabel = "METHOD", converter = Method.Converter.class,
            description = "random, stratified, temporal or cluster.")
    Method method;

    @Option(names = "--labels", paramLabel = "L.tsv",
            description = "Labels TSV (header protein<TAB>term[<TAB>date]); needed by stratified and temporal.")
    Path labels;

    @Option(names = "--fractions", paramLabel = "NAME=F,...", defaultValue = "train=0.8,valid=0.1,test=0.1",
            description = "Parts and shares (default ${DEFAULT-VALUE}).")
    String fractions;

    @Option(names = "--folds", paramLabel = "K", description = "K equal folds fold0..fold(K-1) instead of "
            + "--fractions (random, stratified and cluster).")
    Integer folds;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--test-from", paramLabel = "YYYY-MM-DD", description = "temporal: first day of the test part.")
    String testFrom;

    @Option(names = "--valid-from", paramLabel = "YYYY-MM-DD", description = "temporal: first day of the valid part "
            + "(omit for train/test only).")
    String validFrom;

    @Option(names = "--identity", defaultValue = "0.3", description = "cluster: minimum sequence identity within a "
            + "cluster, 0..1 (default ${DEFAULT-VALUE}).")
    double identity;

    @Option(names = "--coverage", defaultValue = "0.8", description = "cluster with MMseqs2: minimum alignment "
            + "coverage of both sequences (default ${DEFAULT-VALUE}).")
    double coverage;

    @Option(names = "--tool", defaultValue = "auto", paramLabel = "auto|mmseqs|kmer",
            description = "Clustering and identity search: MMseqs2 when on the PATH (auto), or forced (default "
                    + "${DEFAULT-VALUE}).")
    String tool;

    @Option(names = "--mmseqs", paramLabel = "PATH", description = "The mmseqs program, if not on the PATH.")
    Path mmseqsBinary;

    @Option(names = "--threads", defaultValue = "2", description = "Threads for mmseqs (default ${DEFAULT-VALUE}).")
    int threads;

    @Mixin
    UniProtIdOption uniprotIds;

    @Option(names = "--out", paramLabel = "S.tsv", required = true, description = "The split file to write.")
    Path out;

    @Option(names = "--leakage", paramLabel = "PREFIX", description = "Also write PREFIX.tsv (per test protein: "
            + "highest identity to a training protein) and PREFIX.json (counts per identity bin).")
    String leakagePrefix;

    @Option(names = "--leakage-test", paramLabel = "PART", description = "The part the leakage report treats as "
            + "test (default test, or fold0 with --folds); all other parts except valid count as training.")
    String leakageTest;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        PrintWriter w = spec.commandLine().getOut();
        SplitFractions parts = folds != null ? kFold() : parseFractions();
        Map<String, FastaRecord> sequences = readSequences();
        SimilarityBackend similarity = method == Method.CLUSTER || leakagePrefix != null
                ? SimilarityBackend.choose(tool, mmseqsBinary, threads, coverage) : null;
        SplitAssignment split = switch (method) {
            case RANDOM -> RandomSplitter.split(sequences.keySet(), parts, seed);
            case STRATIFIED -> IterativeStratifier.split(sequences.keySet(), requireLabels(), parts, seed);
            case TEMPORAL -> TemporalSplitter.split(sequences.keySet(), requireLabels(),
                    validFrom == null ? null : date("--valid-from", validFrom),
                    date("--test-from", requireOption("--test-from", testFrom)));
            case CLUSTER -> {
                if (!(identity > 0 && identity <= 1)) {
                    throw new ParameterException(spec.commandLine(), "--identity must be in (0, 1], got " + identity);
                }
                SequenceClusters clusters = similarity.clusterer().cluster(new ArrayList<>(sequences.values()),
                        identity);
                w.printf("%d clusters at %.0f%% identity (%s)%n", clusters.clusterCount(), 100 * identity,
                        similarity.clusterer().method());
                yield ClusterSplitter.split(clusters, parts, seed);
            }
        };
        split.write(out);
        w.println("split sizes " + split.sizes());
        w.println("wrote " + out);
        if (leakagePrefix != null) {
            writeLeakage(split, sequences, similarity, w);
        }
        w.printf("took %.1f s%n", (System.nanoTime() - start) / 1e9);
        w.flush();
        return 0;
    }

    private void writeLeakage(SplitAssignment split, Map<String, FastaRecord> sequences, SimilarityBackend similarity,
            PrintWriter w) {
        String test = leakageTest != null ? leakageTest : folds != null ? "fold0" : "test";
        Set<String> train = new LinkedHashSet<>(split.splitNames());
        train.remove(test);
        train.remove("valid");
        if (!split.splitNames().contains(test)) {
            throw new ParameterException(spec.commandLine(), "--leakage-test " + test + " is not a part of the split "
                    + split.splitNames());
        }
        LeakageReport report = LeakageReport.compute(split, sequences, train, test, similarity.search());
        report.writeTsv(Path.of(leakagePrefix + ".tsv"));
        report.writeJson(Path.of(leakagePrefix + ".json"));
        w.println("leakage (" + test + " vs " + String.join("+", train) + ", " + report.method() + "): "
                + report.binCounts());
        w.println("wrote " + leakagePrefix + ".tsv and " + leakagePrefix + ".json");
    }

    private Map<String, FastaRecord> readSequences() {
        Map<String, FastaRecord> byId = new LinkedHashMap<>();
        for (FastaRecord r : FastaReader.read(fasta)) {
            String id = uniprotIds.proteinId(r.id());
            if (byId.put(id, new FastaRecord(id, r.description(), r.sequence())) != null) {
                throw new InvalidInputException(fasta + ": two records have the id " + id);
            }
        }
        return byId;
    }

    private ProteinLabels requireLabels() {
        if (labels == null) {
            throw new ParameterException(spec.commandLine(), "--method " + method.name().toLowerCase(Locale.ROOT) + " needs --labels");
        }
        return LabelTableReader.read(labels, false).labels();
    }

    private SplitFractions kFold() {
        if (method == Method.TEMPORAL || folds < 2) {
            throw new ParameterException(spec.commandLine(), "--folds needs K >= 2 and a random, stratified or "
                    + "cluster method");
        }
        return SplitFractions.kFold(folds);
    }

    private SplitFractions parseFractions() {
        try {
            return SplitFractions.parse(fractions);
        } catch (InvalidInputException e) {
            throw new ParameterException(spec.commandLine(), "--fractions: " + e.getMessage());
        }
    }

    private String requireOption(String name, String value) {
        if (value == null) {
            throw new ParameterException(spec.commandLine(), "--method " + method.name().toLowerCase(Locale.ROOT) + " needs " + name);
        }
        return value;
    }

    private LocalDate date(String option, String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), option + " '" + text + "' is not YYYY-MM-DD");
        }
    }
}
