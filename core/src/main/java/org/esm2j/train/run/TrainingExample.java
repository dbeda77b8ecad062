package org.esm2j.train.run;

/**
 * One training or validation item.
 *
 * @param id a name for error messages (e.g. the FASTA record id)
 * @param tokens the framed sequence, {@code <cls>} residues {@code <eos>}
 * @param labels the targets of a supervised objective (e.g. one value per class); empty for masked-LM
 */
public record TrainingExample(String id, int[] tokens, float[] labels) {
    /** An unlabelled example, as masked-LM training takes. */
    public static TrainingExample unlabelled(String id, int[] tokens) {
        return new TrainingExample(id, tokens, new float[0]);
    }
}
