package org.esm2j.function.probe;

import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.Tensor;

/** Rebuilds a saved {@link EmbeddingHead} from its kind, config and tensors. */
public final class EmbeddingHeads {
    private EmbeddingHeads() {
    }

    /**
     * @param source names the saved head in error messages
     * @throws InvalidInputException for an unknown kind or missing/malformed parts, naming {@code source}
     */
    public static EmbeddingHead restore(String kind, Map<String, Object> config, Map<String, Tensor> tensors,
            String source) {
        try {
            switch (kind) {
                case KnnLabelTransfer.KIND:
                    return KnnLabelTransfer.restore(config, tensors);
                case PrototypeClassifier.KIND:
                    return PrototypeClassifier.restore(config, tensors);
                case FeedForwardProbe.LOGREG:
                case FeedForwardProbe.MLP:
                    return FeedForwardProbe.restore(kind, config, tensors);
                default:
                    throw new InvalidInputException(source + ": unknown head kind '" + kind + "' (expected one of "
                            + FeedForwardProbe.LOGREG + ", " + FeedForwardProbe.MLP + ", " + KnnLabelTransfer.KIND
                            + ", " + PrototypeClassifier.KIND + ")");
            }
        } catch (NullPointerException | ClassCastException | IllegalArgumentException e) {
            throw new InvalidInputException(source + ": the saved " + kind + " head is incomplete or malformed ("
                    + e + ")", e);
        }
    }
}
