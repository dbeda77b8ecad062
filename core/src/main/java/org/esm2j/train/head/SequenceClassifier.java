package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;

/**
 * A sequence-level head: a {@link Pooling} of the final representation, then a {@link Head} on the pooled vectors,
 * giving (B, outputs) logits or regression values. Backward carries the loss gradient through both and adds
 * d(loss)/d(representation) into the backbone's gradient buffer.
 */
public final class SequenceClassifier {
    private final Pooling pooling;
    private final Head head;
    private int sequences;

    public SequenceClassifier(Pooling pooling, Head head) {
        this.pooling = pooling;
        this.head = head;
    }

    /**
     * Hugging Face's EsmForSequenceClassification head: the {@code <cls>} representation into
     * {@link MlpHead} {@code classifier} with hidden size D (entries {@code classifier.dense.*},
     * {@code classifier.out_proj.*}).
     */
    public static SequenceClassifier huggingFace(int dim, int labels, double dropout, SeededRandom random) {
        return new SequenceClassifier(new ClsPooling(), new MlpHead("classifier", dim, dim, labels, dropout, random));
    }

    public Head head() {
        return head;
    }

    public Pooling pooling() {
        return pooling;
    }

    public void declare(ParameterLayout.Builder layout) {
        pooling.declare(layout);
        head.declare(layout);
    }

    public void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
        pooling.initialize(layout, params);
        head.initialize(layout, params, random);
    }

    public void setTraining(boolean training) {
        head.setTraining(training);
    }

    /**
     * @param hidden (N, D) final representation of the packed batch, D = {@code head().inputSize()}
     * @return (B, outputs)
     */
    public float[] forward(ParameterLayout layout, float[] params, float[] hidden, PackedSequences batch) {
        float[] pooled = pooling.forward(layout, params, hidden, batch, head.inputSize());
        sequences = batch.sequences();
        return head.forward(layout, params, pooled, sequences);
    }

    /**
     * @param dOutput (B, outputs) d(loss)/d(output)
     * @param dHidden (N, D), added into
     */
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dOutput, float[] dHidden) {
        float[] dPooled = new float[sequences * head.inputSize()];
        head.backward(layout, params, grads, dOutput, dPooled);
        pooling.backward(layout, params, grads, dPooled, dHidden);
    }
}
