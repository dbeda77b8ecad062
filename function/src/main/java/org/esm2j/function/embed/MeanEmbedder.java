package org.esm2j.function.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.SequenceWindows;
import org.esm2j.data.TokenBudgetBatcher;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.backend.Esm2Model;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * Per-protein embeddings from an ESM-2 model: one layer's hidden states averaged over the residues (the usual
 * frozen-embedding input of function probes). Long sequences follow the length policy; with windows, each residue's
 * row is first averaged over the windows that cover it, then the rows are averaged. Windows of all sequences are
 * batched together under a token budget. Thread-safe when the model is (the CPU runtime is).
 */
public final class MeanEmbedder implements ProteinEmbedder {
    /** Tokens per forward pass (padded length x sequences) when the caller does not choose. */
    public static final int DEFAULT_TOKENS_PER_BATCH = 4096;

    private final Esm2Model model;
    private final EmbeddingSpec spec;
    private final int tokensPerBatch;
    private final UnknownResiduePolicy unknownResidues;

    /**
     * @param modelDigest SHA-256 of the model's weight files ({@code LoadedCheckpoint.sourceSha256()})
     * @param layer representation layer; negative counts from the end as in fair-esm (-1 = last)
     */
    public MeanEmbedder(Esm2Model model, String modelDigest, int layer, LengthPolicy lengthPolicy,
            int tokensPerBatch, UnknownResiduePolicy unknownResidues) {
        int resolved = ForwardRequest.resolveLayers(List.of(layer), model.config().numLayers()).first();
        if (tokensPerBatch < 1) {
            throw new InvalidInputException("tokens per batch must be at least 1, got " + tokensPerBatch);
        }
        this.model = model;
        this.spec = new EmbeddingSpec(modelDigest, resolved, lengthPolicy);
        this.tokensPerBatch = tokensPerBatch;
        this.unknownResidues = unknownResidues;
    }

    /** The last layer, windows of 1022 residues overlapping by 256 for longer sequences, unknown residues as X. */
    public static MeanEmbedder lastLayer(Esm2Model model, String modelDigest) {
        return new MeanEmbedder(model, modelDigest, -1, LengthPolicy.window(LengthPolicy.DEFAULT_MAX_RESIDUES, 256),
                DEFAULT_TOKENS_PER_BATCH, UnknownResiduePolicy.MAP_TO_X);
    }

    @Override
    public int dimension() {
        return model.config().embedDim();
    }

    @Override
    public EmbeddingSpec spec() {
        return spec;
    }

    @Override
    public float[][] embed(List<String> ids, List<String> sequences) {
        if (ids.size() != sequences.size()) {
            throw new IllegalArgumentException(ids.size() + " ids for " + sequences.size() + " sequences");
        }
        int n = sequences.size();
        List<SequenceWindows> plans = new ArrayList<>(n);
        // Every window of every sequence is one framed model input; remember whose it is.
        List<int[]> inputs = new ArrayList<>();
        List<int[]> owner = new ArrayList<>(); // {sequence, window}
        for (int s = 0; s < n; s++) {
            int[] residues = Alphabet.encode(sequences.get(s), ids.get(s), unknownResidues);
            SequenceWindows plan = spec.lengthPolicy().apply(ids.get(s), residues);
            plans.add(plan);
            for (int w = 0; w < plan.count(); w++) {
                inputs.add(Alphabet.frame(plan.tokens(w)));
                owner.add(new int[] {s, w});
            }
        }
        int[] lengths = inputs.stream().mapToInt(t -> t.length).toArray();
        float[][][] windowRows = new float[n][][];
        for (int s = 0; s < n; s++) {
            windowRows[s] = new float[plans.get(s).count()][];
        }
        ForwardRequest request = new ForwardRequest(new TreeSet<>(List.of(spec.layer())), false, false, false);
        int d = dimension();
        for (int[] batch : TokenBudgetBatcher.batches(lengths, tokensPerBatch)) {
            List<int[]> tokens = new ArrayList<>(batch.length);
            for (int i : batch) {
                tokens.add(inputs.get(i));
            }
            ForwardResult out = model.forward(tokens, request);
            for (int b = 0; b < batch.length; b++) {
                int[] who = owner.get(batch[b]);
                float[] framed = out.representation(spec.layer(), b);
                int residues = out.tokenCount(b) - 2;
                // Drop the <cls> row in front and the <eos> row behind.
                float[] rows = new float[residues * d];
                System.arraycopy(framed, d, rows, 0, residues * d);
                windowRows[who[0]][who[1]] = rows;
            }
        }
        float[][] embeddings = new float[n][];
        for (int s = 0; s < n; s++) {
            SequenceWindows plan = plans.get(s);
            float[] rows = plan.mergeRows(List.of(windowRows[s]), d);
            embeddings[s] = meanOfRows(rows, plan.length(), d);
        }
        return embeddings;
    }

    /**
     * Column means of an (n, d) row-major array, summed in double so long sequences lose no precision; also the
     * {@code mean} of {@code esm2j embed}, so the two give the same vectors.
     */
    public static float[] meanOfRows(float[] rows, int n, int d) {
        double[] sum = new double[d];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                sum[c] += rows[r * d + c];
            }
        }
        float[] mean = new float[d];
        for (int c = 0; c < d; c++) {
            mean[c] = (float) (sum[c] / n);
        }
        return mean;
    }
}
