package org.esm2j.train.optim;

import java.util.function.Predicate;
import org.esm2j.train.ParameterLayout;

/**
 * Choosing what does not train: the embeddings and the bottom N blocks, or the whole backbone (linear probing). A
 * frozen entry stays in the layout (its values are still used) but gets no optimizer update, is not clipped and joins
 * no parameter group. Entries that were already frozen (e.g. the contact head) stay frozen.
 */
public final class Freezing {
    private Freezing() {
    }

    /** The layout with every entry matching {@code frozen} made non-trainable, the rest as they were. */
    public static ParameterLayout freeze(ParameterLayout layout, Predicate<String> frozen) {
        return layout.withTrainable(name -> layout.entry(name).trainable() && !frozen.test(name));
    }

    /** The token embedding and blocks {@code 0 .. layers - 1}. */
    public static Predicate<String> embeddingsAndBottomLayers(int layers) {
        if (layers < 0) {
            throw new IllegalArgumentException("number of frozen layers must be >= 0: " + layers);
        }
        return name -> ParameterRole.isEmbedding(name)
                || (ParameterRole.layerIndex(name) >= 0 && ParameterRole.layerIndex(name) < layers);
    }

    /** The whole backbone ({@link ParameterRole#isBackbone}), leaving only the heads to train: linear probing. */
    public static Predicate<String> backbone() {
        return ParameterRole::isBackbone;
    }
}
