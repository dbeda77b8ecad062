package org.esm2j.score;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.cpu.LogSoftmax;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * A stand-in model whose logits are a fixed function of the whole token sequence (so masking or mutating any position
 * changes every row) and which records every batch it is given.
 */
final class FakeRuntime implements Esm2Runtime {
    final List<List<int[]>> batches = new ArrayList<>();

    /** Logit of token {@code a} at position {@code p} of {@code tokens}. */
    static double logit(int[] tokens, int p, int a) {
        long context = 0;
        for (int j = 0; j < tokens.length; j++) {
            context = context * 31 + tokens[j] * (j + 7L);
        }
        double h = Math.floorMod(context, 1009) / 1009.0;
        double own = tokens[p] == a ? 1.5 : 0.0;
        return 3 * Math.sin(1.3 * a + 0.7 * p) + Math.cos(0.9 * a * (1 + h) + 2 * h) + own;
    }

    /** Reference log-probability: log(exp(z_a) / sum_b exp(z_b)) computed naively. */
    static double logProbability(int[] tokens, int p, int a) {
        double sum = 0;
        for (int b = 0; b < Alphabet.SIZE; b++) {
            sum += Math.exp(logit(tokens, p, b));
        }
        return Math.log(Math.exp(logit(tokens, p, a)) / sum);
    }

    int passCount() {
        return batches.stream().mapToInt(List::size).sum();
    }

    List<int[]> allPasses() {
        List<int[]> all = new ArrayList<>();
        batches.forEach(all::addAll);
        return all;
    }

    @Override
    public Esm2Config config() {
        return Esm2Config.of(1, 8, 2);
    }

    @Override
    public ForwardResult forward(List<int[]> tokens, ForwardRequest request) {
        List<int[]> copies = new ArrayList<>();
        tokens.forEach(t -> copies.add(t.clone()));
        batches.add(copies);
        int[] counts = new int[tokens.size()];
        float[][] logits = new float[tokens.size()][];
        for (int b = 0; b < tokens.size(); b++) {
            int[] t = tokens.get(b);
            counts[b] = t.length;
            logits[b] = new float[t.length * Alphabet.SIZE];
            for (int p = 0; p < t.length; p++) {
                for (int a = 0; a < Alphabet.SIZE; a++) {
                    logits[b][p * Alphabet.SIZE + a] = (float) logit(t, p, a);
                }
            }
        }
        float[][] logProbs = null;
        if (request.logProbabilities()) {
            logProbs = new float[logits.length][];
            for (int b = 0; b < logits.length; b++) {
                logProbs[b] = LogSoftmax.rows(logits[b], Alphabet.SIZE);
            }
        }
        return new ForwardResult(counts, request.logits() ? logits : null, logProbs, Map.of(), null, null);
    }

    @Override
    public void close() {
    }
}
