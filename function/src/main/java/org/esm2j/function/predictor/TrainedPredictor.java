package org.esm2j.function.predictor;

import org.esm2j.InvalidInputException;
import org.esm2j.function.embed.EmbeddingSpec;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.probe.EmbeddingHead;

/**
 * Everything a predictor directory holds, in memory: the head, what it reads (the embedding of a given base model, or
 * of the fine-tuned network made from it), the label vocabulary it writes, per-term decision thresholds and
 * provenance. Immutable.
 *
 * @param head the scorer on embeddings
 * @param embedding which embedding the head was trained on, including the base model's SHA-256
 * @param backbone the network the embeddings come from, relative to the base model
 * @param baseModelSource file or folder name the base model was loaded from (for messages)
 * @param vocabulary output column i of the head is label i of the vocabulary
 * @param thresholds per-term decision thresholds, same order
 * @param provenance version, seed, input digests
 */
public record TrainedPredictor(EmbeddingHead head, EmbeddingSpec embedding, PredictorBackbone backbone,
        String baseModelSource, LabelVocabulary vocabulary, float[] thresholds, Provenance provenance) {

    /** A head on frozen embeddings of the base model. */
    public TrainedPredictor(EmbeddingHead head, EmbeddingSpec embedding, String baseModelSource,
            LabelVocabulary vocabulary, float[] thresholds, Provenance provenance) {
        this(head, embedding, new PredictorBackbone.Frozen(), baseModelSource, vocabulary, thresholds, provenance);
    }

    public TrainedPredictor {
        java.util.Objects.requireNonNull(backbone, "backbone");
        if (head.termCount() != vocabulary.size() || thresholds.length != vocabulary.size()) {
            throw new InvalidInputException("predictor parts disagree: head has " + head.termCount() + " terms, the"
                    + " vocabulary " + vocabulary.size() + ", the thresholds " + thresholds.length);
        }
        for (int t = 0; t < thresholds.length; t++) {
            if (!(thresholds[t] >= 0 && thresholds[t] <= 1)) {
                throw new InvalidInputException("threshold of " + vocabulary.label(t) + " is " + thresholds[t]
                        + "; thresholds must lie in [0, 1]");
            }
        }
        thresholds = thresholds.clone();
    }

    /** One threshold for every term. */
    public static float[] uniformThresholds(int terms, float threshold) {
        float[] t = new float[terms];
        java.util.Arrays.fill(t, threshold);
        return t;
    }

    @Override
    public float[] thresholds() {
        return thresholds.clone();
    }
}
