package org.esm2j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.esm2j.model.Esm2Config;

/**
 * What an {@code embed} or {@code contacts} run will do and need, computed from the prepared records and the model
 * shape alone: shown by {@code --dry-run}, and the disk figure is checked against the output's file system before
 * the run. Sizes are exact for the arrays and approximate for the container (headers, zip entries, TSV digits);
 * memory is a rough upper bound (fp32 weights, the largest batch's activations and outputs, 256 MiB for the JVM).
 *
 * @param outputBytes the output file(s)
 * @param scratchBytes scratch files beside the output at the peak (safetensors staging, reordering, resume shards)
 */
record RunEstimate(int records, long residues, int windows, long framedTokens, int batches, long largestBatchTokens,
        long outputBytes, long scratchBytes, long weightBytes, long memoryBytes) {
    private static final long PER_ARRAY_OVERHEAD = 200; // names, shapes and offsets in headers or zip entries
    private static final long JVM_OVERHEAD = 256L << 20;

    static RunEstimate of(List<SequenceOptions.Prepared> prepared, Esm2Config config, Set<OutputKind> kinds,
            int layers, OutputFormat format, int tokensPerBatch, boolean resume) {
        long residues = 0;
        int windows = 0;
        long data = 0;
        long text = 0;
        int arrays = 0;
        for (SequenceOptions.Prepared p : prepared) {
            long n = p.windows().length();
            residues += n;
            windows += p.windows().count();
            for (OutputKind k : kinds) {
                long values = valuesPerRecord(k, n, config, layers);
                data += values * Float.BYTES;
                arrays += k.usesLayers() ? layers : 1;
            }
            // TSV: one line per pair i < j: id, two positions and a float of up to ~12 characters.
            int idBytes = p.record().id().getBytes(StandardCharsets.UTF_8).length;
            text += n * (n - 1) / 2 * (idBytes + 2L * Long.toString(n).length() + 16);
        }
        long output;
        switch (format) {
            case TSV: output = text + 64; break;
            case NPY: output = 128 + data + idsBytes(prepared); break;
            case ARROW: output = 4096 + data + idsBytes(prepared) + 8L * prepared.size(); break;
            default: output = data + arrays * PER_ARRAY_OVERHEAD + 4096 + 64L * prepared.size(); break;
        }
        // safetensors stages all data; other formats spill records that finish before their turn (at worst all
        // but the first); resume shards hold everything until the merge.
        long scratch = resume ? data + arrays * PER_ARRAY_OVERHEAD : data;
        long largestBatch = 0;
        long largestBatchMemory = 0;
        List<int[]> plan = EmbeddingRun.batchLengths(prepared, tokensPerBatch);
        for (int[] batch : plan) {
            long squares = 0;
            int longest = 0;
            for (int t : batch) {
                longest = Math.max(longest, t);
                squares += (long) t * t;
            }
            long padded = (long) longest * batch.length;
            largestBatch = Math.max(largestBatch, padded);
            largestBatchMemory = Math.max(largestBatchMemory, batchBytes(config, kinds, layers, padded,
                    squares, (long) batch.length * longest * longest));
        }
        long weights = config.parameterCount() * Float.BYTES;
        return new RunEstimate(prepared.size(), residues, windows, EmbeddingRun.totalTokens(prepared), plan.size(),
                largestBatch, output, scratch, weights, weights + largestBatchMemory + JVM_OVERHEAD);
    }

    /** Disk the run needs where the output goes. */
    long diskBytes() {
        return outputBytes + scratchBytes;
    }

    private static long valuesPerRecord(OutputKind kind, long n, Esm2Config config, int layers) {
        long d = config.embedDim();
        switch (kind) {
            case PER_RESIDUE: return layers * n * d;
            case MEAN:
            case BOS: return layers * d;
            case LOGITS: return n * config.vocabSize();
            case CONTACTS: return n * n;
            case ATTENTIONS: return (long) config.numLayers() * config.attentionHeads() * (n + 2) * (n + 2);
            default: throw new IllegalStateException("unhandled output " + kind);
        }
    }

    /**
     * One forward pass: hidden states, q/k/v and the FFN intermediate of the padded batch, one layer's attention
     * scores (B x H x T x T), plus the batch's requested outputs.
     */
    private static long batchBytes(Esm2Config c, Set<OutputKind> kinds, int layers, long paddedTokens,
            long squares, long paddedSquares) {
        long activations = paddedTokens * (6L * c.embedDim() + c.ffnDim()) + c.attentionHeads() * paddedSquares;
        long outputs = 0;
        if (kinds.contains(OutputKind.PER_RESIDUE) || kinds.contains(OutputKind.MEAN)
                || kinds.contains(OutputKind.BOS)) {
            outputs += layers * paddedTokens * c.embedDim();
        }
        if (kinds.contains(OutputKind.LOGITS)) {
            outputs += paddedTokens * c.vocabSize();
        }
        if (kinds.contains(OutputKind.CONTACTS)) {
            outputs += squares + (long) c.numLayers() * c.attentionHeads() * paddedSquares;
        }
        if (kinds.contains(OutputKind.ATTENTIONS)) {
            outputs += (long) c.numLayers() * c.attentionHeads() * paddedSquares;
        }
        return (activations + outputs) * Float.BYTES;
    }

    private static long idsBytes(List<SequenceOptions.Prepared> prepared) {
        long n = 0;
        for (SequenceOptions.Prepared p : prepared) {
            n += p.record().id().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return n;
    }

    /** The {@code --dry-run} report. */
    void print(PrintWriter out, String lengthPolicy, int tokensPerBatch, OutputFormat format, OutputTarget target) {
        out.println(line("records", records + (windows != records ? " (" + windows + " windows)" : "")));
        out.println(line("residues", residues + " after the length policy (" + lengthPolicy + ")"));
        out.println(line("tokens", framedTokens + " with <cls> and <eos> per window"));
        out.println(line("batches", batches + " of at most " + tokensPerBatch + " padded tokens (largest "
                + largestBatchTokens + ")"));
        out.println(line("output", format.cliName() + " to " + target + ", about " + OutputTarget.bytes(outputBytes)));
        out.println(line("disk", "about " + OutputTarget.bytes(diskBytes()) + " at the peak, with scratch files"));
        out.println(line("memory", "about " + OutputTarget.bytes(memoryBytes) + " (fp32 weights "
                + OutputTarget.bytes(weightBytes) + " + the largest batch + JVM)"));
        out.println("dry run: nothing computed or written");
        out.flush();
    }

    private static String line(String label, String value) {
        return String.format(Locale.ROOT, "%-9s %s", label, value);
    }
}
