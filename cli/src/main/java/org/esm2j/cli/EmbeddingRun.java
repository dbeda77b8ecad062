package org.esm2j.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.esm2j.backend.Esm2Model;
import org.esm2j.data.Alphabet;
import org.esm2j.data.SequenceWindows;
import org.esm2j.data.TokenBudgetBatcher;
import org.esm2j.function.embed.MeanEmbedder;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * Runs prepared records through the model in token-budget batches and hands each record's outputs to a sink as soon
 * as all its windows are done, so memory holds one batch plus the windows of records still in flight.
 *
 * <p>With several windows per record: per-residue rows, logits and contacts are merged by
 * {@link SequenceWindows} (averaged over covering windows); {@code mean} is the mean of the merged rows; {@code bos}
 * is the first window's {@code <cls>} row; attentions are refused up front (windows have no common token axis).
 */
final class EmbeddingRun {
    static final String MEAN_KEY = "mean/";
    static final String BOS_KEY = "bos/";

    /** One forward-pass sequence: window {@code window} of record {@code record}. */
    private record Segment(int record, int window, int[] tokens) {
    }

    /** The outputs of a record's windows, collected until the last window arrives. */
    private static final class Pending {
        final int windows;
        final Map<Integer, float[][]> rows = new HashMap<>(); // layer -> [window] (n_w, D)
        final Map<Integer, float[]> bos = new HashMap<>(); // layer -> (D), from window 0
        final float[][] logits; // [window] (n_w, V)
        final float[][] contacts; // [window] (n_w, n_w)
        float[] attentions; // (L, H, T, T); single-window records only
        int received;

        Pending(int windows) {
            this.windows = windows;
            this.logits = new float[windows][];
            this.contacts = new float[windows][];
        }
    }

    private final Esm2Model model;
    private final List<SequenceOptions.Prepared> records;
    private final Set<OutputKind> include;
    private final SortedSet<Integer> layers;
    private final int tokensPerBatch;
    private final ProgressBar progress;

    /**
     * @param layers resolved layer indices (0..L) for the layer-based outputs
     * @param progress null for none
     */
    EmbeddingRun(Esm2Model model, List<SequenceOptions.Prepared> records, Set<OutputKind> include,
            SortedSet<Integer> layers, int tokensPerBatch, ProgressBar progress) {
        this.model = model;
        this.records = records;
        this.include = include.isEmpty() ? EnumSet.noneOf(OutputKind.class) : EnumSet.copyOf(include);
        this.layers = new TreeSet<>(layers);
        this.tokensPerBatch = tokensPerBatch;
        this.progress = progress;
    }

    /** Total framed tokens of every window: the unit of progress. */
    static long totalTokens(List<SequenceOptions.Prepared> records) {
        long total = 0;
        for (SequenceOptions.Prepared p : records) {
            for (SequenceWindows.Window w : p.windows().windows()) {
                total += w.length() + 2;
            }
        }
        return total;
    }

    /** Every window of every record, framed, in input order: what the batches index. */
    private static List<Segment> segments(List<SequenceOptions.Prepared> records) {
        List<Segment> segments = new ArrayList<>();
        for (int r = 0; r < records.size(); r++) {
            SequenceWindows windows = records.get(r).windows();
            for (int w = 0; w < windows.count(); w++) {
                segments.add(new Segment(r, w, Alphabet.frame(windows.tokens(w))));
            }
        }
        return segments;
    }

    /**
     * The forward passes, as lists of framed-window lengths: a pure function of the records and the budget, so a
     * resumed run repeats the same batches and produces the same bytes.
     */
    static List<int[]> batchLengths(List<SequenceOptions.Prepared> records, int tokensPerBatch) {
        List<Segment> segments = segments(records);
        List<int[]> out = new ArrayList<>();
        for (int[] batch : TokenBudgetBatcher.batches(lengthsOf(segments), tokensPerBatch)) {
            out.add(Arrays.stream(batch).map(i -> segments.get(i).tokens().length).toArray());
        }
        return out;
    }

    private static int[] lengthsOf(List<Segment> segments) {
        return segments.stream().mapToInt(s -> s.tokens().length).toArray();
    }

    void run(OutputSink sink) throws IOException {
        run(sink, Set.of());
    }

    /**
     * Runs every batch that holds a window of a record not in {@code alreadyDone} and hands each newly completed
     * record to the sink ({@link OutputSink#endRecord} after its arrays, {@link OutputSink#endBatch} after each
     * batch). Records in {@code alreadyDone} (saved by an interrupted run) are neither computed again, unless they
     * share a batch with an unfinished one, nor handed over.
     */
    void run(OutputSink sink, Set<Integer> alreadyDone) throws IOException {
        List<Segment> segments = segments(records);
        boolean needsRows = include.contains(OutputKind.PER_RESIDUE) || include.contains(OutputKind.MEAN)
                || include.contains(OutputKind.BOS);
        ForwardRequest request = new ForwardRequest(needsRows ? layers : new TreeSet<>(),
                include.contains(OutputKind.LOGITS), include.contains(OutputKind.ATTENTIONS),
                include.contains(OutputKind.CONTACTS));

        Map<Integer, Pending> inFlight = new TreeMap<>();
        long recordsDone = alreadyDone.size();
        long tokensDone = 0;
        for (Segment s : segments) {
            tokensDone += alreadyDone.contains(s.record()) ? s.tokens().length : 0;
        }
        for (int[] batch : TokenBudgetBatcher.batches(lengthsOf(segments), tokensPerBatch)) {
            List<int[]> tokens = new ArrayList<>(batch.length);
            boolean needed = false;
            for (int i : batch) {
                tokens.add(segments.get(i).tokens());
                needed |= !alreadyDone.contains(segments.get(i).record());
            }
            ForwardResult result = needed ? model.forward(tokens, request) : null;
            for (int b = 0; b < batch.length; b++) {
                Segment s = segments.get(batch[b]);
                SequenceWindows windows = records.get(s.record()).windows();
                if (alreadyDone.contains(s.record())) {
                    continue;
                }
                tokensDone += s.tokens().length;
                Pending p = inFlight.computeIfAbsent(s.record(), r -> new Pending(windows.count()));
                collect(p, s, result, b);
                if (p.received == windows.count()) {
                    inFlight.remove(s.record());
                    emit(s.record(), p, sink);
                    sink.endRecord(s.record());
                    recordsDone++;
                }
            }
            sink.endBatch();
            if (progress != null) {
                progress.update(recordsDone, tokensDone);
            }
        }
        if (!inFlight.isEmpty()) {
            throw new IllegalStateException("records " + inFlight.keySet() + " did not receive every window");
        }
    }

    private void collect(Pending p, Segment s, ForwardResult result, int b) {
        int tokens = result.tokenCount(b);
        int residues = tokens - 2;
        int d = model.config().embedDim();
        if (include.contains(OutputKind.PER_RESIDUE) || include.contains(OutputKind.MEAN)) {
            for (int layer : layers) {
                float[] rep = result.representation(layer, b);
                p.rows.computeIfAbsent(layer, k -> new float[p.windows][])[s.window()] =
                        Arrays.copyOfRange(rep, d, (residues + 1) * d);
            }
        }
        if (include.contains(OutputKind.BOS) && s.window() == 0) {
            for (int layer : layers) {
                p.bos.put(layer, Arrays.copyOf(result.representation(layer, b), d));
            }
        }
        int vocab = model.config().vocabSize();
        if (include.contains(OutputKind.LOGITS)) {
            p.logits[s.window()] = Arrays.copyOfRange(result.logits(b), vocab, (residues + 1) * vocab);
        }
        if (include.contains(OutputKind.CONTACTS)) {
            p.contacts[s.window()] = result.contacts(b);
        }
        if (include.contains(OutputKind.ATTENTIONS)) {
            p.attentions = result.attentions(b);
        }
        p.received++;
    }

    private void emit(int index, Pending p, OutputSink sink) throws IOException {
        SequenceOptions.Prepared prepared = records.get(index);
        String id = prepared.record().id();
        SequenceWindows windows = prepared.windows();
        int n = windows.length();
        int d = model.config().embedDim();
        for (int layer : layers) {
            if (include.contains(OutputKind.PER_RESIDUE) || include.contains(OutputKind.MEAN)) {
                float[] rows = merge(windows, p.rows.get(layer), d);
                if (include.contains(OutputKind.PER_RESIDUE)) {
                    sink.put(index, id, "repr/" + layer, new long[] {n, d}, rows);
                }
                if (include.contains(OutputKind.MEAN)) {
                    sink.put(index, id, MEAN_KEY + layer, new long[] {d},
                            MeanEmbedder.meanOfRows(rows, n, d));
                }
            }
            if (include.contains(OutputKind.BOS)) {
                sink.put(index, id, BOS_KEY + layer, new long[] {d}, p.bos.get(layer));
            }
        }
        if (include.contains(OutputKind.LOGITS)) {
            int vocab = model.config().vocabSize();
            sink.put(index, id, "logits", new long[] {n, vocab}, merge(windows, p.logits, vocab));
        }
        if (include.contains(OutputKind.CONTACTS)) {
            float[] contacts = windows.count() == 1 ? p.contacts[0] : windows.mergePairs(Arrays.asList(p.contacts));
            sink.put(index, id, ContactsTsvSink.CONTACTS_KEY, new long[] {n, n}, contacts);
        }
        if (include.contains(OutputKind.ATTENTIONS)) {
            int t = n + 2;
            sink.put(index, id, "attentions", new long[] {model.config().numLayers(),
                model.config().attentionHeads(), t, t}, p.attentions);
        }
    }

    private static float[] merge(SequenceWindows windows, float[][] perWindow, int width) {
        return windows.count() == 1 ? perWindow[0] : windows.mergeRows(Arrays.asList(perWindow), width);
    }
}
