package org.esm2j.cpu;

import java.util.List;
import java.util.Map;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * {@link NaiveBf16Forward} behind the runtime interface, for code that takes a runtime (the variant scorer): the
 * same-precision noise floor of docs/STYLE.md's rule for anything computed from log-probabilities. It answers only
 * log-probability requests: the log-softmax of the naive forward's bf16 logits, computed in double over the
 * vocabulary and stored in bf16 like every other activation of the naive forward. Sequences run one at a time.
 */
public final class NaiveBf16Runtime implements Esm2Runtime {
    private final NaiveBf16Forward forward;
    private final Esm2Config config;

    public NaiveBf16Runtime(Esm2Weights weights) {
        this.forward = new NaiveBf16Forward(weights);
        this.config = weights.config();
    }

    @Override
    public Esm2Config config() {
        return config;
    }

    @Override
    public ForwardResult forward(List<int[]> tokens, ForwardRequest request) {
        if (!request.equals(ForwardRequest.logProbabilitiesOnly())) {
            throw new IllegalArgumentException("the naive bf16 runtime computes log-probabilities only, not " + request);
        }
        int vocab = config.vocabSize();
        int[] lengths = new int[tokens.size()];
        float[][] logProbabilities = new float[tokens.size()][];
        for (int b = 0; b < tokens.size(); b++) {
            lengths[b] = tokens.get(b).length;
            logProbabilities[b] = logSoftmaxRows(forward.forward(tokens.get(b)).logits(), vocab);
        }
        return new ForwardResult(lengths, null, logProbabilities, Map.of(), null, null);
    }

    private static float[] logSoftmaxRows(float[] logits, int vocab) {
        float[] out = new float[logits.length];
        for (int row = 0; row < logits.length / vocab; row++) {
            int start = row * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                max = Math.max(max, logits[start + j]);
            }
            double sum = 0;
            for (int j = 0; j < vocab; j++) {
                sum += Math.exp(logits[start + j] - max);
            }
            double logSum = max + Math.log(sum);
            for (int j = 0; j < vocab; j++) {
                out[start + j] = NaiveBf16Forward.bf16((float) (logits[start + j] - logSum));
            }
        }
        return out;
    }

    @Override
    public void close() {}
}
