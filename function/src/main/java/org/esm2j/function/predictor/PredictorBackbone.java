package org.esm2j.function.predictor;

import java.util.Arrays;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.lora.PeftAdapter;
import org.esm2j.train.lora.PeftBaseModel;

/**
 * The ESM-2 network a predictor's embeddings come from, relative to its base model: the base model itself (a head on
 * frozen embeddings), a fully fine-tuned copy of it, or the base model with LoRA adapters. Either way the base model
 * is what a user loads the predictor with (its SHA-256 is checked), and {@link #weights} turns it into the network
 * the head was trained on.
 */
public sealed interface PredictorBackbone {
    /** As stored in {@code predictor.json}: {@code frozen}, {@code finetune} or {@code lora}. */
    String kind();

    /** The weights to score with, given the (already verified) base model's. */
    Esm2Weights weights(Esm2Weights base);

    /** The base model unchanged: the head reads frozen embeddings. */
    record Frozen() implements PredictorBackbone {
        public static final String KIND = "frozen";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public Esm2Weights weights(Esm2Weights base) {
            return base;
        }
    }

    /** Every backbone weight fine-tuned; the base model only vouches for where it started. */
    record FullyFineTuned(Esm2Weights tuned) implements PredictorBackbone {
        public static final String KIND = "finetune";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public Esm2Weights weights(Esm2Weights base) {
            if (!base.config().equals(tuned.config())) {
                throw new InvalidInputException("the fine-tuned backbone has the shape " + tuned.config()
                        + " but the base model " + base.config());
            }
            return tuned;
        }
    }

    /**
     * LoRA adapters on the frozen base model, kept as PEFT saves them for EsmForSequenceClassification (the head
     * travels with them as {@code modules_to_save}). Scoring folds {@code scaling * B A} into each adapted weight.
     */
    record Lora(PeftAdapter adapter) implements PredictorBackbone {
        public static final String KIND = "lora";

        public Lora {
            if (adapter.base() != PeftBaseModel.SEQUENCE_CLASSIFICATION) {
                throw new InvalidInputException("a predictor's LoRA adapter belongs to "
                        + PeftBaseModel.SEQUENCE_CLASSIFICATION.className() + ", not " + adapter.base().className());
            }
        }

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public Esm2Weights weights(Esm2Weights base) {
            TrainableModel model = TrainableModel.builder(base).lora(adapter.config().lora(), 0)
                    .extend(this::declareHead).build();
            adapter.applyTo(model);
            return model.mergedWeights();
        }

        private void declareHead(ParameterLayout.Builder layout) {
            for (String name : adapter.base().headTensors()) {
                layout.add(name, adapter.tensors().get(name).shape(), true);
            }
        }

        /**
         * Checks that the head saved beside the adapter ({@code modules_to_save}) is the predictor's head, so the two
         * copies cannot silently disagree.
         *
         * @param source names the predictor in the message
         */
        public void requireHead(Map<String, Tensor> head, String source) {
            for (String name : adapter.base().headTensors()) {
                Tensor mine = adapter.tensors().get(name);
                Tensor theirs = head.get(name);
                if (theirs == null || !Arrays.equals(mine.toFloatArray(), theirs.toFloatArray())) {
                    throw new InvalidInputException(source + ": the adapter's " + name + " (modules_to_save) differs"
                            + " from the predictor's head; the directory was altered or assembled from two runs");
                }
            }
        }
    }
}
