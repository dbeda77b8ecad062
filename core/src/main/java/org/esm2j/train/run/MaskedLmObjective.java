package org.esm2j.train.run;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.loss.CrossEntropyLoss;
import org.esm2j.train.mlm.MaskedLmMasking;

/**
 * Continued masked-LM training: each training batch is corrupted as in ESM-2's pre-training ({@link MaskedLmMasking}:
 * 15% selected, 80/10/10) and scored by the tied LM head's cross-entropy at the selected positions. Validation selects
 * 15% too but replaces every selected token by {@code <mask>}: with the 10% left unchanged, a model could score well by
 * copying its input, and the validation perplexity would no longer compare with a composition-only baseline.
 */
public final class MaskedLmObjective implements TrainingObjective {
    private static final double SELECT = 0.15;

    private record Masked(List<int[]> inputs, List<int[]> targets, long scored) implements Prepared {
    }

    private boolean training = true;

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public void validate(TrainingExample example) {
        if (example.labels().length != 0) {
            throw new InvalidInputException("example '" + example.id() + "' has " + example.labels().length
                    + " labels, but masked-LM training takes none (its targets are the sequence itself)");
        }
    }

    @Override
    public Prepared prepare(List<TrainingExample> batch, SeededRandom random) {
        MaskedLmMasking masking = training ? new MaskedLmMasking(random)
                : new MaskedLmMasking(SELECT, 1.0, 0.0, random);
        List<int[]> inputs = new ArrayList<>(batch.size());
        List<int[]> targets = new ArrayList<>(batch.size());
        long scored = 0;
        for (TrainingExample e : batch) {
            MaskedLmMasking.Masked m = masking.apply(e.tokens());
            inputs.add(m.inputs());
            targets.add(m.targets());
            for (int t : m.targets()) {
                if (t != CrossEntropyLoss.IGNORE_INDEX) {
                    scored++;
                }
            }
        }
        return new Masked(inputs, targets, scored);
    }

    @Override
    public double loss(Esm2Trainer trainer, PackedRepresentation representation, Prepared prepared) {
        Masked m = (Masked) prepared;
        return m.scored == 0 ? 0 : trainer.maskedLmLoss(m.targets);
    }

    @Override
    public long scored(Prepared prepared) {
        return ((Masked) prepared).scored;
    }
}
