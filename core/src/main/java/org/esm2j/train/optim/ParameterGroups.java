package org.esm2j.train.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;

/**
 * Builds the parameter groups of an optimizer from a layout: which trainable entries get which learning rate and
 * weight decay. Frozen entries belong to no group, so no optimizer touches them.
 *
 * <p>Layer-wise learning-rate decay follows the convention of BEiT and ELECTRA: with {@code L} transformer blocks,
 * block {@code i} (0-based) gets {@code lr * decay^(L - i)}, the embeddings one step deeper, {@code decay^(L + 1)},
 * and everything above the blocks (the final LayerNorm and the heads) the full rate. The top block is therefore already
 * scaled once, and the head learns fastest.
 */
public final class ParameterGroups {
    private ParameterGroups() {
    }

    /** One group of every trainable entry, decaying all of them, as {@code torch.optim.AdamW(model.parameters())}. */
    public static List<ParameterGroup> decayAll(ParameterLayout layout, double lr, double weightDecay) {
        return builder(lr, weightDecay).build(layout);
    }

    /**
     * Hugging Face Trainer's two groups: weight decay on every trainable entry except biases and LayerNorm
     * parameters.
     */
    public static List<ParameterGroup> noDecayOnBiasAndLayerNorm(ParameterLayout layout, double lr, double weightDecay) {
        return builder(lr, weightDecay).noDecayOnBiasAndLayerNorm().build(layout);
    }

    public static Builder builder(double lr, double weightDecay) {
        return new Builder(lr, weightDecay);
    }

    /** Per-entry choices; {@link #build} merges entries with equal learning rate and decay into one group. */
    public static final class Builder {
        private final double lr;
        private final double weightDecay;
        private Predicate<String> noDecay = name -> false;
        private Predicate<String> isHead = name -> !ParameterRole.isBackbone(name);
        private double headLr = Double.NaN;
        private int layers = -1;
        private double layerDecay = 1.0;

        private Builder(double lr, double weightDecay) {
            this.lr = lr;
            this.weightDecay = weightDecay;
        }

        /** No weight decay on biases and LayerNorm weights (Hugging Face Trainer's default grouping). */
        public Builder noDecayOnBiasAndLayerNorm() {
            noDecay = noDecay.or(ParameterRole::isBias).or(ParameterRole::isLayerNorm);
            return this;
        }

        /** No weight decay on the token embedding either. */
        public Builder noDecayOnEmbeddings() {
            noDecay = noDecay.or(ParameterRole::isEmbedding);
            return this;
        }

        /**
         * A separate learning rate for the head; by default the head is every entry outside the backbone
         * ({@link ParameterRole#isBackbone}).
         */
        public Builder headLearningRate(double headLr) {
            this.headLr = headLr;
            return this;
        }

        /** Which entries count as the head, for {@link #headLearningRate} and layer-wise decay. */
        public Builder head(Predicate<String> isHead) {
            this.isHead = isHead;
            return this;
        }

        /** Layer-wise learning-rate decay over {@code layers} transformer blocks (see the class comment). */
        public Builder layerwiseDecay(int layers, double decay) {
            if (layers < 1) {
                throw new IllegalArgumentException("layer-wise decay needs at least one layer, got " + layers);
            }
            if (!(decay > 0 && decay <= 1)) {
                throw new IllegalArgumentException("layer-wise decay factor must be in (0, 1]: " + decay);
            }
            this.layers = layers;
            this.layerDecay = decay;
            return this;
        }

        public List<ParameterGroup> build(ParameterLayout layout) {
            Map<List<Double>, List<String>> byHyper = new LinkedHashMap<>();
            for (ParameterEntry e : layout.trainable()) {
                String name = e.name();
                double entryLr = learningRate(name);
                double entryDecay = noDecay.test(name) ? 0.0 : weightDecay;
                byHyper.computeIfAbsent(List.of(entryLr, entryDecay), k -> new ArrayList<>()).add(name);
            }
            List<ParameterGroup> groups = new ArrayList<>();
            for (Map.Entry<List<Double>, List<String>> g : byHyper.entrySet()) {
                double groupLr = g.getKey().get(0);
                double groupDecay = g.getKey().get(1);
                String name = String.format(java.util.Locale.ROOT, "lr=%.6g,weight_decay=%.6g", groupLr, groupDecay);
                groups.add(new ParameterGroup(name, g.getValue(), groupLr, groupDecay));
            }
            return groups;
        }

        private double learningRate(String name) {
            if (isHead.test(name)) {
                return Double.isNaN(headLr) ? lr : headLr;
            }
            if (layers < 0) {
                return lr;
            }
            return lr * Math.pow(layerDecay, depth(name));
        }

        /** How many times the layer-wise factor applies: L + 1 for embeddings, L - i for block i, 0 above. */
        private int depth(String name) {
            if (ParameterRole.isEmbedding(name)) {
                return layers + 1;
            }
            int layer = ParameterRole.layerIndex(name);
            if (layer < 0) {
                return 0;
            }
            if (layer >= layers) {
                throw new IllegalArgumentException("parameter '" + name + "' is in block " + layer
                        + " but layer-wise decay was configured for " + layers + " blocks");
            }
            return layers - layer;
        }
    }
}
