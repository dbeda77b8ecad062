package org.esm2j.train.head;

import org.esm2j.train.ParameterLayout;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.loss.CrossEntropyLoss;

/**
 * Per-residue classification (binding or active sites) as Hugging Face's EsmForTokenClassification: dropout, then
 * {@code classifier} (labels x D) on every row of the packed representation. Rows that carry no label (cls, eos, and
 * residues marked {@link CrossEntropyLoss#IGNORE_INDEX}) get the target -100, so the loss skips them and their
 * representation gradient is exactly zero.
 */
public final class TokenClassifier {
    /** Hugging Face's name of the token-classification layer. */
    public static final String PREFIX = "classifier";

    private final LinearHead head;

    public TokenClassifier(int dim, int labels, double dropout, SeededRandom random) {
        this.head = new LinearHead(PREFIX, dim, labels, dropout, random);
    }

    public Head head() {
        return head;
    }

    public void declare(ParameterLayout.Builder layout) {
        head.declare(layout);
    }

    public void initialize(ParameterLayout layout, float[] params, SeededRandom random) {
        head.initialize(layout, params, random);
    }

    public void setTraining(boolean training) {
        head.setTraining(training);
    }

    /** (N, labels) logits for every row, given the (N, D) representation. */
    public float[] forward(ParameterLayout layout, float[] params, float[] hidden, PackedSequences batch) {
        return head.forward(layout, params, hidden, batch.rows());
    }

    /** Adds the head's gradients and d(loss)/d(representation) (N, D) into {@code dHidden}. */
    public void backward(ParameterLayout layout, float[] params, float[] grads, float[] dLogits, float[] dHidden) {
        head.backward(layout, params, grads, dLogits, dHidden);
    }

    /**
     * One target per row of the packed batch: the residue labels in order, -100 on cls, eos and pad rows.
     *
     * @param residueLabels per sequence, one label (or -100) per residue row
     */
    public static int[] targets(PackedSequences batch, int[][] residueLabels) {
        if (residueLabels.length != batch.sequences()) {
            throw new IllegalArgumentException("labels for " + residueLabels.length + " sequences, batch has "
                    + batch.sequences());
        }
        int[] targets = new int[batch.rows()];
        for (int b = 0; b < batch.sequences(); b++) {
            if (residueLabels[b].length != batch.residueCount(b)) {
                throw new IllegalArgumentException("sequence " + b + " has " + batch.residueCount(b)
                        + " residues but " + residueLabels[b].length + " labels");
            }
            int next = 0;
            for (int r = batch.start(b); r < batch.end(b); r++) {
                targets[r] = batch.isResidue(r) ? residueLabels[b][next++] : CrossEntropyLoss.IGNORE_INDEX;
            }
        }
        return targets;
    }
}
