package org.esm2j.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.esm2j.data.FastaReader;
import org.esm2j.function.predictor.FunctionPredictor;
import org.esm2j.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code esm2j predict}: scores every protein of a FASTA with a trained predictor directory. The FASTA is streamed in
 * batches, so memory stays that of one batch (plus the ids seen, to refuse duplicates) whatever the file's size.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score proteins with a predictor made by 'esm2j finetune'. Writes TSV 'protein<TAB>term<TAB>"
                + "name<TAB>score<TAB>predicted' (predicted = 1 when the score reaches the term's tuned threshold), "
                + "the predictions format of 'esm2j evaluate'.",
            "The base model must be the one the predictor was trained on (checked by the SHA-256 of its weights)."})
public final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--predictor", required = true, paramLabel = "DIR", description = "The predictor directory.")
    Path predictorDir;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "The base model's checkpoint (the one the predictor was trained on).")
    Path model;

    @Option(names = "--fasta", required = true, paramLabel = "F.fasta[.gz]", description = "The proteins to score.")
    Path fasta;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "P.tsv",
            description = "The predictions TSV (written atomically), or - for standard output.")
    String out;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N",
            description = "Sequences per batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--min-score", defaultValue = "0.01", paramLabel = "S",
            description = "Leave out terms scoring below S (default ${DEFAULT-VALUE}, the lowest threshold of CAFA's "
                    + "F-max; 0 writes every term).")
    double minScore;

    @Mixin
    UniProtIdOption uniprotIds;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
        }
        if (!(minScore >= 0 && minScore <= 1)) {
            throw new ParameterException(spec.commandLine(), "--min-score must be in [0, 1], got " + minScore);
        }
        long start = System.nanoTime();
        long[] proteins = new long[1];
        try (FunctionPredictor predictor = FunctionPredictor.load(predictorDir, model)) {
            if (out.equals("-")) {
                PrintWriter stdout = spec.commandLine().getOut();
                score(predictor, stdout, proteins);
                stdout.flush();
            } else {
                AtomicFiles.write(Path.of(out), (OutputStream stream) -> {
                    Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                    score(predictor, w, proteins);
                    w.flush();
                });
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf("scored %d proteins in %.1f s%s%n", proteins[0], (System.nanoTime() - start) / 1e9,
                out.equals("-") ? "" : "; wrote " + out);
        err.flush();
        return 0;
    }

    private void score(FunctionPredictor predictor, Writer w, long[] count) throws IOException {
        PredictionTsv tsv = new PredictionTsv(w, predictor.vocabulary(), predictor.predictor().thresholds(),
                minScore);
        List<String> ids = new ArrayList<>(batchSize);
        List<String> sequences = new ArrayList<>(batchSize);
        try {
            FastaReader.forEach(fasta, record -> {
                ids.add(uniprotIds.proteinId(record.id()));
                sequences.add(record.sequence());
                if (ids.size() == batchSize) {
                    flush(predictor, tsv, ids, sequences, count);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        flush(predictor, tsv, ids, sequences, count);
    }

    private static void flush(FunctionPredictor predictor, PredictionTsv tsv, List<String> ids,
            List<String> sequences, long[] count) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            tsv.write(ids, predictor.scores(ids, sequences));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        count[0] += ids.size();
        ids.clear();
        sequences.clear();
    }
}
