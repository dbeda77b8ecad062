package org.esm2j.api;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.esm2j.model.ForwardRequest;

/**
 * What {@link Esm2} computed for one sequence, residue rows only ({@code <cls>} and {@code <eos>} dropped, as
 * fair-esm's extract.py writes them): per requested layer the (n, D) representations, their mean over residues and the
 * {@code <cls>} ("bos") row; the (n, 33) logits and (n, n) contacts when requested. Layers are named as in the request:
 * 0..L, or negative counting from the end (-1 = the last layer). Safe to read from many threads; a {@link Matrix}
 * hands out its array without copying, so do not write to it while others read.
 */
public final class SequenceOutput {
    private final int numLayers;
    private final int residues;
    private final SortedMap<Integer, Matrix> perResidue; // layer 0..L -> (n, D)
    private final SortedMap<Integer, float[]> bos; // layer 0..L -> (D)
    private final Matrix logits; // (n, 33) or null
    private final Matrix contacts; // (n, n) or null

    SequenceOutput(int numLayers, int residues, SortedMap<Integer, Matrix> perResidue, SortedMap<Integer, float[]> bos,
            Matrix logits, Matrix contacts) {
        this.numLayers = numLayers;
        this.residues = residues;
        this.perResidue = Collections.unmodifiableSortedMap(new TreeMap<>(perResidue));
        this.bos = Collections.unmodifiableSortedMap(new TreeMap<>(bos));
        this.logits = logits;
        this.contacts = contacts;
    }

    /** Residues n that ran through the model (fewer than the input's when the length policy truncated it). */
    public int length() {
        return residues;
    }

    /** The layers computed, as 0..L. */
    public SortedSet<Integer> layers() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(perResidue.keySet()));
    }

    /** (n, D) representations of the one requested layer. */
    public Matrix perResidue() {
        return perResidue.get(onlyLayer());
    }

    /** (n, D) representations of {@code layer} (0..L or negative from the end). */
    public Matrix perResidue(int layer) {
        return perResidue.get(requested(layer));
    }

    /** (D) mean over residues of the one requested layer: the usual per-protein embedding. */
    public float[] mean() {
        return mean(onlyLayer());
    }

    /** (D) mean over residues of {@code layer}, accumulated in double. */
    public float[] mean(int layer) {
        Matrix m = perResidue.get(requested(layer));
        double[] sum = new double[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                sum[c] += m.data()[r * m.cols() + c];
            }
        }
        float[] mean = new float[m.cols()];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = (float) (sum[c] / m.rows());
        }
        return mean;
    }

    /** (D) the {@code <cls>} row of the one requested layer (never trained towards anything: prefer {@link #mean}). */
    public float[] bos() {
        return bos(onlyLayer());
    }

    /** (D) the {@code <cls>} row of {@code layer}. */
    public float[] bos(int layer) {
        return bos.get(requested(layer)).clone();
    }

    /** (n, 33) LM-head logits of the residues. */
    public Matrix logits() {
        if (logits == null) {
            throw new IllegalStateException("logits were not requested; build the request with .logits()");
        }
        return logits;
    }

    /** (n, n) contact probabilities. */
    public Matrix contacts() {
        if (contacts == null) {
            throw new IllegalStateException("contacts were not requested; build the request with .contacts()");
        }
        return contacts;
    }

    private int onlyLayer() {
        if (perResidue.size() != 1) {
            throw new IllegalStateException(perResidue.isEmpty() ? "no layer was requested"
                    : "layers " + perResidue.keySet() + " were requested; name one, e.g. mean(" + perResidue.lastKey()
                    + ")");
        }
        return perResidue.firstKey();
    }

    private int requested(int layer) {
        if (layer < -(numLayers + 1) || layer > numLayers) {
            throw new IllegalArgumentException("layer " + layer + " is outside " + -(numLayers + 1) + ".." + numLayers
                    + " for a model with " + numLayers + " layers");
        }
        int resolved = ForwardRequest.resolveLayers(List.of(layer), numLayers).first();
        if (!perResidue.containsKey(resolved)) {
            throw new IllegalArgumentException("layer " + layer + (layer < 0 ? " (= " + resolved + ")" : "")
                    + " was not requested; computed: " + perResidue.keySet());
        }
        return resolved;
    }

    @Override
    public String toString() {
        return "SequenceOutput(" + residues + " residues, layers " + perResidue.keySet()
                + (logits != null ? ", logits" : "") + (contacts != null ? ", contacts" : "") + ")";
    }
}
