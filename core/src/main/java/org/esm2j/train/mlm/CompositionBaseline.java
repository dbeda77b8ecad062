package org.esm2j.train.mlm;

import java.util.List;
import org.esm2j.data.Alphabet;

/**
 * The perplexity of a model that knows only amino-acid composition: each residue is predicted with its frequency in
 * the training sequences, whatever its context. A masked-LM that learned anything beyond composition beats it; the
 * uniform guess over the 20 standard amino acids is 20. Frequencies get add-one smoothing over the residue tokens
 * (ids 4..31), so a residue absent from training (U, O, say) costs a finite amount.
 */
public final class CompositionBaseline {
    private static final int FIRST_RESIDUE = 4;
    private static final int LAST_RESIDUE = Alphabet.MASK - 1;

    private final double[] logProbability = new double[Alphabet.SIZE];

    /** Frequencies from the residues (not {@code <cls>}, {@code <eos>}, ...) of framed training sequences. */
    public CompositionBaseline(List<int[]> training) {
        long[] counts = new long[Alphabet.SIZE];
        long total = 0;
        for (int[] seq : training) {
            for (int t : seq) {
                if (t >= FIRST_RESIDUE && t <= LAST_RESIDUE) {
                    counts[t]++;
                    total++;
                }
            }
        }
        int kinds = LAST_RESIDUE - FIRST_RESIDUE + 1;
        for (int t = FIRST_RESIDUE; t <= LAST_RESIDUE; t++) {
            logProbability[t] = Math.log((counts[t] + 1.0) / (total + kinds));
        }
    }

    /** exp of the mean negative log-frequency over every residue of the given framed sequences. */
    public double perplexity(List<int[]> sequences) {
        double sum = 0;
        long n = 0;
        for (int[] seq : sequences) {
            for (int t : seq) {
                if (t >= FIRST_RESIDUE && t <= LAST_RESIDUE) {
                    sum -= logProbability[t];
                    n++;
                }
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no residues to score");
        }
        return Math.exp(sum / n);
    }
}
