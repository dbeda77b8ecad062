package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.junit.jupiter.api.Test;

/**
 * Merging LoRA adapters ({@code W += (alpha / r) B A}) gives a plain model whose inference forward pass equals the
 * trainer's forward pass with the adapters (1e-5 * max(1, |ref|): the two round differently), the merged weight equals
 * the double-precision product, unmerging restores the weights to float rounding (1e-6), and a merged model cannot be
 * trained.
 */
class LoraMergeTest {
    @Test
    void mergedModelMatchesAdaptersAndUnmergeRestores() {
        Esm2Config config = Esm2Config.of(2, 32, 2);
        LoraConfig lora = new LoraConfig(4, 8, 0, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.O,
                LoraTarget.FC1));
        TrainableModel model = TrainableModel.builder(RandomEsm2Weights.of(config, 5)).lora(lora, 2).build();
        Random rnd = new Random(6);
        for (ParameterEntry e : model.layout().entries()) {
            if (e.name().endsWith(".lora_B")) {
                float[] v = new float[e.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextGaussian() * 0.3f;
                }
                model.setValues(e.name(), v);
            }
        }
        float[] before = model.parameters().clone();
        int[] seq = {0, 5, 9, 32, 13, 7, 2};
        try (Esm2Trainer trainer = new CpuBackend().trainer(model, TrainerOptions.defaults())) {
            float[] withAdapters = trainer.forward(List.of(seq)).values().clone();
            model.mergeLora();
            assertThrows(IllegalStateException.class, () -> trainer.forward(List.of(seq)));
            assertThrows(IllegalStateException.class, model::mergeLora);

            String w = LoraTarget.FC1.baseWeight(1);
            float[] merged = model.values(w);
            float[] a = model.values(LoraTarget.FC1.adapterA(1));
            float[] b = model.values(LoraTarget.FC1.adapterB(1));
            int in = 32;
            float[] expected = new float[merged.length];
            int base = model.layout().entry(w).offset();
            for (int o = 0; o < merged.length / in; o++) {
                for (int i = 0; i < in; i++) {
                    double ba = 0;
                    for (int k = 0; k < lora.rank(); k++) {
                        ba += (double) b[o * lora.rank() + k] * a[k * in + i];
                    }
                    expected[o * in + i] = (float) (before[base + o * in + i] + lora.scaling() * ba);
                }
            }
            NumericAssert.assertClose("merged fc1 weight", merged, expected, 1e-6, 1e-6);

            try (CpuRuntime runtime = new CpuRuntime(model.toWeights())) {
                float[] plain = runtime.forward(List.of(seq), new ForwardRequest(new TreeSet<>(List.of(2)), false,
                        false, false)).representation(2, 0);
                NumericAssert.assertClose("merged inference vs adapters", plain, withAdapters, 1e-5, 1e-5);
            }
            model.unmergeLora();
            NumericAssert.assertClose("unmerged parameters", model.parameters(), before, 1e-6, 0);
            NumericAssert.assertClose("forward after unmerge", trainer.forward(List.of(seq)).values(), withAdapters,
                    1e-5, 1e-5);
        }
        assertThrows(IllegalStateException.class, model::unmergeLora);
        assertThrows(IllegalStateException.class, () -> TrainableModel.of(RandomEsm2Weights.of(config, 5))
                .mergeLora());
    }
}
