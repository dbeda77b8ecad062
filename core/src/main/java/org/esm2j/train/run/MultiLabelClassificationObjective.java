package org.esm2j.train.run;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.head.PackedSequences;
import org.esm2j.train.head.SequenceClassifier;
import org.esm2j.train.loss.BceWithLogitsLoss;

/**
 * Sequence-level multi-label classification (GO terms, EC numbers): a {@link SequenceClassifier} (pooling + head) on the
 * final representation and BCE with logits (optional pos_weight) against each example's labels, one 0/1 value per
 * class. Head dropout masks come from the classifier's own generator, which checkpoints do not hold: a resumed run is
 * bit-identical to the uninterrupted one when the head has no dropout.
 */
public final class MultiLabelClassificationObjective implements TrainingObjective {
    private final SequenceClassifier classifier;
    private final BceWithLogitsLoss loss;
    private final int classes;
    private ParameterLayout layout;

    private record Batch(List<int[]> inputs, float[] labels) implements Prepared {
    }

    /** @param posWeight per-class weight of the positive term, or null for ones */
    public MultiLabelClassificationObjective(SequenceClassifier classifier, float[] posWeight) {
        this.classifier = classifier;
        this.classes = classifier.head().outputSize();
        this.loss = new BceWithLogitsLoss(classes, posWeight);
    }

    @Override
    public void declare(ParameterLayout.Builder builder) {
        classifier.declare(builder);
    }

    @Override
    public void initialize(ParameterLayout built, float[] params, SeededRandom random) {
        this.layout = built;
        classifier.initialize(built, params, random);
    }

    @Override
    public void validate(TrainingExample example) {
        if (example.labels().length != classes) {
            throw new InvalidInputException("example '" + example.id() + "' has " + example.labels().length
                    + " labels but the head predicts " + classes + " classes");
        }
        for (int c = 0; c < classes; c++) {
            float y = example.labels()[c];
            if (!(y >= 0 && y <= 1)) {
                throw new InvalidInputException("example '" + example.id() + "' has label " + y + " for class " + c
                        + "; multi-label targets are in [0, 1]");
            }
        }
    }

    @Override
    public Prepared prepare(List<TrainingExample> batch, SeededRandom random) {
        List<int[]> inputs = new ArrayList<>(batch.size());
        float[] labels = new float[batch.size() * classes];
        for (int b = 0; b < batch.size(); b++) {
            inputs.add(batch.get(b).tokens());
            System.arraycopy(batch.get(b).labels(), 0, labels, b * classes, classes);
        }
        return new Batch(inputs, labels);
    }

    @Override
    public double loss(Esm2Trainer trainer, PackedRepresentation representation, Prepared prepared) {
        Batch b = (Batch) prepared;
        float[] params = trainer.model().parameters();
        float[] logits = classifier.forward(layout, params, representation.values(),
                PackedSequences.of(b.inputs.toArray(new int[0][])));
        float[] dLogits = new float[logits.length];
        double value = loss.compute(logits, b.labels, b.inputs.size(), dLogits);
        classifier.backward(layout, params, trainer.model().gradients(), dLogits, representation.gradient());
        return value;
    }

    @Override
    public long scored(Prepared prepared) {
        return ((Batch) prepared).inputs.size();
    }

    @Override
    public void setTraining(boolean training) {
        classifier.setTraining(training);
    }
}
