package org.esm2j.function.probe;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.train.loss.PosWeights;

/**
 * How {@link ProbeTrainer} trains a logistic-regression or MLP probe.
 *
 * @param hidden hidden units; 0 trains multi-label logistic regression
 * @param dropout dropout probability in training, on the inputs and (MLP) the hidden units, in [0, 1)
 * @param learningRate AdamW learning rate
 * @param weightDecay AdamW decoupled weight decay on the weight matrices (biases are not decayed)
 * @param batchSize proteins per step
 * @param maxEpochs upper bound on passes over the training set
 * @param patience stop after this many epochs without a lower validation loss (the best epoch's weights are kept)
 * @param posWeight how BCE's pos_weight comes from the training labels ({@code null}: all ones)
 * @param maxPosWeight upper clip of pos_weight
 * @param seed initialisation, shuffling and dropout
 */
public record ProbeOptions(int hidden, double dropout, double learningRate, double weightDecay, int batchSize,
        int maxEpochs, int patience, PosWeights.Scaling posWeight, double maxPosWeight, long seed) {

    public ProbeOptions {
        if (hidden < 0) {
            throw new InvalidInputException("hidden units must be >= 0, got " + hidden);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidInputException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(learningRate > 0) || !(weightDecay >= 0) || batchSize < 1 || maxEpochs < 1 || patience < 1
                || !(maxPosWeight > 0)) {
            throw new InvalidInputException("invalid probe options: " + this);
        }
    }

    /** Logistic regression: no dropout, lr 1e-2, weight decay 1e-2, batches of 32, up to 300 epochs, patience 20. */
    public static ProbeOptions logisticRegression(long seed) {
        return new ProbeOptions(0, 0.0, 1e-2, 1e-2, 32, 300, 20, null, 100, seed);
    }

    /** An MLP with 128 tanh units, dropout 0.2: lr 3e-3, weight decay 1e-2, batches of 32, patience 20. */
    public static ProbeOptions mlp(long seed) {
        return new ProbeOptions(128, 0.2, 3e-3, 1e-2, 32, 300, 20, null, 100, seed);
    }

    public ProbeOptions withPosWeight(PosWeights.Scaling scaling, double max) {
        return new ProbeOptions(hidden, dropout, learningRate, weightDecay, batchSize, maxEpochs, patience, scaling,
                max, seed);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden", hidden);
        m.put("dropout", dropout);
        m.put("learning_rate", learningRate);
        m.put("weight_decay", weightDecay);
        m.put("batch_size", batchSize);
        m.put("max_epochs", maxEpochs);
        m.put("patience", patience);
        m.put("pos_weight", posWeight == null ? "none" : posWeight.name().toLowerCase(Locale.ROOT));
        m.put("max_pos_weight", maxPosWeight);
        m.put("seed", seed);
        return m;
    }
}
