package org.esm2j.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.esm2j.InvalidInputException;
import org.esm2j.function.metrics.AnnotationTsv;
import org.esm2j.function.metrics.BenchmarkSummary;
import org.esm2j.function.metrics.Bootstrap;
import org.esm2j.function.metrics.InformationContent;
import org.esm2j.function.metrics.MultiLabelEvaluation;
import org.esm2j.function.metrics.ProteinCentricMetrics;
import org.esm2j.function.metrics.RankingMetrics;
import org.esm2j.function.metrics.TermThresholdMetrics;
import org.esm2j.function.ontology.GeneOntology;
import org.esm2j.function.ontology.GoNamespace;
import org.esm2j.function.ontology.GoTerm;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;
import org.jfree.chart.JFreeChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code esm2j evaluate}: CAFA-style metrics of scored predictions against annotations. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score predicted GO terms (or any labels) against true annotations with CAFA's metrics.",
            "Writes the metrics JSON (--out), a per-term TSV beside it (<out>.terms.tsv) and a precision-recall "
                + "chart as PNG and SVG (<out>.pr.png, <out>.pr.svg)."},
        footer = {"", "Inputs: predictions TSV with header 'protein<TAB>term<TAB>score' (other columns ignored, so "
            + "esm2j predict's output works), annotations TSV 'protein<TAB>term'. Term ids are compared as written: "
            + "give propagated annotations and predictions (esm2j labels propagates); evaluate propagates nothing.",
            "F-max: thresholds k/100, k = 1..100, a term predicted when score >= t; precision averaged over "
                + "benchmark proteins (those in --truth) with a prediction at t, recall over all of them; "
                + "coverage = share with a prediction at the F-max threshold. Predictions for proteins outside "
                + "--truth are ignored. AUPR: scikit-learn's step-wise average precision; micro over all benchmark "
                + "protein x term pairs (a missing prediction scores 0), macro over terms with a positive.",
            "S-min (with --ic-from): information content from the training annotations, CAFA's -log2 P(term | "
                + "parents) with --obo, else -log2(frequency); terms unseen in training count 0.",
            "With --obo the metrics are also given per namespace (namespaces.MF/BP/CC)."})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--predictions", required = true, paramLabel = "P.tsv",
            description = "Scored predictions: protein, term, score.")
    Path predictionsFile;

    @Option(names = "--truth", required = true, paramLabel = "T.tsv",
            description = "True annotations of the benchmark proteins: protein, term.")
    Path truthFile;

    @Option(names = "--obo", paramLabel = "go.obo",
            description = "The Gene Ontology (OBO, plain or .gz): metrics per namespace, term names, CAFA's IC.")
    Path obo;

    @Option(names = "--ic-from", paramLabel = "TRAIN.tsv",
            description = "Training annotations (protein, term) for the information content of S-min.")
    Path icFrom;

    @Option(names = "--thresholds", paramLabel = "TH.tsv",
            description = "Per-term decision thresholds (term, threshold) for the per-term F1; default: the "
                    + "F-max threshold for every term.")
    Path thresholdsFile;

    @Option(names = "--bins", paramLabel = "B.tsv",
            description = "A group per protein, TSV with 'protein' and 'bin' columns (the leakage report "
                    + "PREFIX.tsv of esm2j split --leakage works as is): metrics per bin as well (bins.<bin>).")
    Path binsFile;

    @Option(names = "--bootstrap", paramLabel = "N", defaultValue = "0",
            description = "Bootstrap resamples of the benchmark proteins for confidence intervals (default "
                    + "${DEFAULT-VALUE}: none).")
    int bootstrapResamples;

    @Option(names = "--confidence", paramLabel = "LEVEL", defaultValue = "0.95",
            description = "Confidence level of the intervals (default ${DEFAULT-VALUE}).")
    double confidence;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the bootstrap (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-charts", description = "Do not draw the precision-recall chart.")
    boolean noCharts;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "M.json", description = "The metrics JSON.")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (bootstrapResamples < 0) {
            throw new ParameterException(spec.commandLine(), "--bootstrap must be 0 or more, got "
                    + bootstrapResamples);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new ParameterException(spec.commandLine(), "--confidence must lie in (0, 1), got " + confidence);
        }
        Map<String, Set<String>> truth = AnnotationTsv.readAnnotations(truthFile);
        Map<String, Map<String, Double>> predictions = AnnotationTsv.readPredictions(predictionsFile);
        GeneOntology ontology = obo == null ? null : GeneOntology.read(obo);
        InformationContent ic = icFrom == null ? null : informationContent(AnnotationTsv.readAnnotations(icFrom),
                ontology);
        MultiLabelEvaluation ev = MultiLabelEvaluation.of(truth, predictions);
        if (ev.proteinCount() == 0) {
            throw new InvalidInputException(truthFile + ": no annotated protein to evaluate");
        }

        Map<String, Object> json = new LinkedHashMap<>();
        BenchmarkSummary overall = summarize(ev, ic, json);
        List<PrecisionRecallChart.Group> chartGroups = new ArrayList<>();
        if (ontology != null) {
            Map<String, Object> namespaces = new LinkedHashMap<>();
            long outside = ev.terms().stream().filter(t -> ontology.term(t).isEmpty()).count();
            json.put("terms_outside_ontology", outside);
            for (GoNamespace ns : GoNamespace.values()) {
                MultiLabelEvaluation sub = ev.restrictTerms(t -> ontology.term(t).map(GoTerm::namespace)
                        .orElse(null) == ns);
                Map<String, Object> nsJson = new LinkedHashMap<>();
                BenchmarkSummary s = summarize(sub, ic, nsJson);
                namespaces.put(ns.name(), nsJson);
                if (sub.proteinCount() > 0) {
                    chartGroups.add(group(ns.name(), sub, s));
                }
            }
            json.put("namespaces", namespaces);
        }
        if (chartGroups.isEmpty()) {
            chartGroups.add(group("all terms", ev, overall));
        }
        if (binsFile != null) {
            Map<String, Object> bins = new LinkedHashMap<>();
            ev.groupBy(AnnotationTsv.readBins(binsFile)).forEach((bin, sub) -> {
                Map<String, Object> binJson = new LinkedHashMap<>();
                summarize(sub, ic, binJson);
                bins.put(bin, binJson);
            });
            json.put("bins", bins);
        }
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("predictions", predictionsFile.toString());
        inputs.put("truth", truthFile.toString());
        inputs.put("obo", obo == null ? null : obo.toString());
        inputs.put("ontology_version", ontology == null ? null : ontology.dataVersion());
        inputs.put("ic_from", icFrom == null ? null : icFrom.toString());
        inputs.put("ic_definition", ic == null ? null : ontology != null ? "cafa" : "frequency");
        // Terms the training annotations never carry get IC 0; how many there are says how far S-min can be trusted.
        inputs.put("ic_unseen_terms", ic == null ? null : ic.unseenTerms(ev.terms()));
        inputs.put("ignored_proteins", predictions.keySet().stream().filter(p -> !truth.containsKey(p)).count());
        json.put("inputs", inputs);

        Path termsOut = sibling(out, ".terms.tsv");
        writeTermTable(termsOut, ev, overall, ontology);
        AtomicFiles.write(out, o -> o.write((Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8)));
        PrintWriter err = spec.commandLine().getErr();
        if (!noCharts) {
            JFreeChart chart = PrecisionRecallChart.build("Precision-recall: " + predictionsFile.getFileName(), chartGroups);
            PrecisionRecallChart.writePng(sibling(out, ".pr.png"), chart);
            PrecisionRecallChart.writeSvg(sibling(out, ".pr.svg"), chart);
        }
        err.printf(Locale.ROOT, "F-max %.4f at %.2f (coverage %.3f), AUPR micro %.4f macro %.4f%s over %d proteins, "
                + "%d terms; wrote %s%n", overall.fmax().fmax(), overall.fmax().threshold(), overall.fmax().coverage(),
                overall.auprMicro(), overall.auprMacro(), overall.smin() == null ? ""
                        : String.format(Locale.ROOT, ", S-min %.4f", overall.smin().smin()),
                overall.proteins(), overall.terms(), out);
        err.flush();
        return 0;
    }

    /** The summary's values into {@code json}, with bootstrap intervals when asked for. */
    private BenchmarkSummary summarize(MultiLabelEvaluation ev, InformationContent ic, Map<String, Object> json) {
        BenchmarkSummary summary = BenchmarkSummary.of(ev, ic);
        json.putAll(summary.toJsonMap());
        if (bootstrapResamples > 0 && ev.proteinCount() > 0) {
            Bootstrap.Interval[] intervals = new Bootstrap(bootstrapResamples, confidence, seed)
                    .intervals(ev, e -> BenchmarkSummary.of(e, ic).headline());
            Map<String, Object> ci = new LinkedHashMap<>();
            ci.put("level", confidence);
            ci.put("resamples", bootstrapResamples);
            for (int i = 0; i < intervals.length; i++) {
                if (ic != null || !BenchmarkSummary.HEADLINE[i].equals("smin")) {
                    ci.put(BenchmarkSummary.HEADLINE[i], Arrays.asList(BenchmarkSummary.number(intervals[i].lower()),
                            BenchmarkSummary.number(intervals[i].upper())));
                }
            }
            json.put("ci", ci);
        }
        return summary;
    }

    private static PrecisionRecallChart.Group group(String name, MultiLabelEvaluation ev, BenchmarkSummary s) {
        ProteinCentricMetrics.FMax f = s.fmax();
        int k = Double.isNaN(f.threshold()) ? 0 : (int) Math.round(f.threshold() * ProteinCentricMetrics.STEPS);
        return new PrecisionRecallChart.Group(name, f.curve(), k == 0 ? Double.NaN : f.recall()[k - 1],
                k == 0 ? Double.NaN : f.precision()[k - 1], RankingMetrics.microCurve(ev));
    }

    /**
     * IC per CAFA when the ontology is known (a term missing from it is treated as a root: IC 0, and its annotations
     * are not propagated), else from frequencies.
     */
    private static InformationContent informationContent(Map<String, Set<String>> training, GeneOntology ontology) {
        if (ontology == null) {
            return InformationContent.fromFrequencies(training);
        }
        return InformationContent.fromOntology(training,
                t -> ontology.term(t).isPresent() ? ontology.parents(t) : List.of(),
                t -> ontology.term(t).isPresent() ? ontology.ancestors(t) : Set.of(t));
    }

    private void writeTermTable(Path file, MultiLabelEvaluation ev, BenchmarkSummary overall, GeneOntology ontology)
            throws IOException {
        Map<String, Double> tuned = thresholdsFile == null ? Map.of() : AnnotationTsv.readThresholds(thresholdsFile);
        double global = overall.fmax().threshold();
        List<RankingMetrics.TermRanking> rankings = RankingMetrics.perTerm(ev);
        List<TermThresholdMetrics.TermF1> decisions = TermThresholdMetrics.at(ev,
                t -> tuned.getOrDefault(t, global));
        AtomicFiles.write(file, o -> {
            Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
            w.write("term\tname\tnamespace\tpositives\taupr\tauroc\tthreshold\tpredicted\ttrue_positives\tprecision\t"
                    + "recall\tf1\n");
            for (int t = 0; t < rankings.size(); t++) {
                RankingMetrics.TermRanking r = rankings.get(t);
                TermThresholdMetrics.TermF1 d = decisions.get(t);
                Optional<GoTerm> term = ontology == null ? Optional.empty() : ontology.term(r.term());
                w.write(String.join("\t", r.term(), term.map(GoTerm::name).orElse(""),
                        term.map(x -> x.namespace().name()).orElse(""), Long.toString(r.positives()),
                        cell(r.averagePrecision()), cell(r.auroc()), cell(d.threshold()), Long.toString(d.predicted()),
                        Long.toString(d.truePositives()), cell(d.precision()), cell(d.recall()), cell(d.f1())));
                w.write('\n');
            }
            w.flush();
        });
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    /** {@code M.json} -> {@code M<suffix>}: the extension after the last dot is replaced. */
    static Path sibling(Path out, String suffix) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return out.resolveSibling(base + suffix);
    }
}
