package org.esm2j.train.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.train.head.LinearHead;
import org.esm2j.train.head.MeanPooling;
import org.esm2j.train.head.SequenceClassifier;
import org.esm2j.train.optim.Freezing;
import org.junit.jupiter.api.Test;

class MultiLabelClassificationObjectiveTest {
    private static MultiLabelClassificationObjective objective() {
        return new MultiLabelClassificationObjective(
                new SequenceClassifier(new MeanPooling(), new LinearHead("head", TinyRuns.SHAPE.embedDim(), 2)), null);
    }

    /** Label 0: the sequence holds more than 3 alanines; label 1: it starts with M. */
    private static List<TrainingExample> labelled(int n, long seed) {
        List<TrainingExample> out = new ArrayList<>();
        for (TrainingExample e : TinyRuns.sequences(n, seed)) {
            int alanines = 0;
            for (int t : e.tokens()) {
                alanines += t == 5 ? 1 : 0; // A
            }
            out.add(new TrainingExample(e.id(), e.tokens(), new float[] {alanines > 3 ? 1 : 0,
                e.tokens()[1] == 20 ? 1 : 0}));
        }
        return out;
    }

    @Test
    void aHeadThatDoesNotMatchTheLabelsIsRejectedBeforeTraining() {
        List<TrainingExample> data = new ArrayList<>(labelled(6, 1));
        data.set(4, new TrainingExample("three-labels", data.get(4).tokens(), new float[] {0, 1, 0}));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TinyRuns.builder(null, 2)
                .objective(objective()).trainingData(data).validationData(labelled(2, 2)).build());
        assertTrue(e.getMessage().contains("'three-labels'") && e.getMessage().contains("2 classes"),
                e.getMessage());
    }

    @Test
    void linearProbingLowersTheValidationLossOnALearnableTask() {
        List<TrainingExample> data = labelled(24, 3);
        List<Double> losses = new ArrayList<>();
        TinyRuns.builder(null, 40).objective(objective()).trainingData(data).validationData(data)
                .freeze(Freezing.backbone()).adamW(5e-2, 0.9, 0.999, 1e-8, 0, true).earlyStopping(1000, 0)
                .validateEvery(40, true).listener(new TrainingListener() {
                    @Override
                    public void onValidation(ValidationMetrics metrics) {
                        losses.add(metrics.loss());
                    }
                }).build().run();
        assertEquals(2, losses.size(), "before the first step and after the last");
        assertTrue(losses.get(1) < 0.8 * losses.get(0), "validation loss " + losses);
    }
}
