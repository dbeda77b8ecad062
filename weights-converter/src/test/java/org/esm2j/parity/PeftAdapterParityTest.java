package org.esm2j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.checkpoint.CanonicalWriter;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.model.ForwardRequest;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.Esm2Trainer;
import org.esm2j.train.PackedRepresentation;
import org.esm2j.train.PaddedBatch;
import org.esm2j.train.TrainableModel;
import org.esm2j.train.TrainerOptions;
import org.esm2j.train.lora.PeftAdapter;
import org.esm2j.train.lora.PeftAdapterFiles;
import org.esm2j.train.lora.PeftBaseModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PEFT adapter folder for EsmForMaskedLM, written in PEFT's layout by testdata/training/make_peft_adapter.py from the
 * fixture's PEFT adapters (lora.init.*), drives the trainer to the fixture's LoRA loss and adapter gradients (the
 * fixtures README's tolerances: loss relative 1e-5, each gradient max|diff| <= 1e-4 * max(1, max|ref|)); esm2j writes
 * the same adapter back with the same keys and settings; and the merged model, saved as canonical esm2j safetensors
 * and loaded like any checkpoint, gives the representations of the model with adapters (1e-5 * max(1, |ref|)).
 */
class PeftAdapterParityTest {
    private static final Path MLM_ADAPTER = Fixtures.root().getParent().resolve("training/peft/esm2_tiny_mlm_lora");

    private static LoadedCheckpoint base;
    private static Golden train;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        base = CheckpointLoader.load(Fixtures.metaCheckpoint(Fixtures.TINY));
        train = Golden.read(Fixtures.model(Fixtures.TINY).resolve("train.safetensors"));
    }

    private static List<int[]> sequences() {
        Tensor t = train.tensor("mlm.tokens");
        return PaddedBatch.sequences(t.toIntArray(), (int) t.shape()[0], (int) t.shape()[1]);
    }

    private static TrainableModel modelWith(PeftAdapter adapter) {
        TrainableModel model = TrainableModel.builder(base.weights()).lora(adapter.config().lora(), 1).build();
        adapter.applyTo(model);
        return model;
    }

    @Test
    void pythonWrittenAdapterReproducesTheFixturesLoraStep() {
        PeftAdapter adapter = PeftAdapterFiles.read(MLM_ADAPTER);
        assertEquals(PeftBaseModel.MASKED_LM, adapter.base());
        assertEquals(2f, adapter.config().lora().scaling());
        TrainableModel model = modelWith(adapter);
        List<int[]> seqs = sequences();
        Tensor targets = train.tensor("mlm.targets");
        double loss;
        try (Esm2Trainer trainer = new CpuBackend().trainer(model, TrainerOptions.defaults())) {
            trainer.forward(seqs);
            loss = trainer.maskedLmLoss(PaddedBatch.alignedTo(seqs, targets.toIntArray(), (int) targets.shape()[1]));
            trainer.backward();
        }
        double expectedLoss = ((Number) train.meta("lora.loss")).doubleValue();
        double rel = Math.abs(loss - expectedLoss) / Math.abs(expectedLoss);
        System.out.printf("PEFT-file LoRA loss %.9f vs reference %.9f, rel error %.3e%n", loss, expectedLoss, rel);
        assertTrue(rel <= 1e-5, "loss relative error " + rel);
        int compared = 0;
        for (String name : adapter.tensors().keySet()) {
            TrainParityTest.assertGradient("PEFT-file LoRA grad " + name, model.gradient(name),
                    train.floats("lora.grad." + name + ".default.weight"));
            compared++;
        }
        assertEquals(8, compared, "q and v adapters, A and B, two layers");
    }

    @Test
    void esm2jWritesTheAdapterBackInPeftsLayout() throws IOException {
        TrainableModel model = modelWith(PeftAdapterFiles.read(MLM_ADAPTER));
        PeftAdapterFiles.write(PeftAdapter.of(model, PeftBaseModel.MASKED_LM, "esm2_tiny_L2_D64_H4/hf"), tmp);
        Map<String, Tensor> python = Safetensors.read(MLM_ADAPTER.resolve(PeftAdapterFiles.WEIGHTS)).tensors();
        Safetensors.Contents ours = Safetensors.read(tmp.resolve(PeftAdapterFiles.WEIGHTS));
        assertEquals(new TreeSet<>(python.keySet()), new TreeSet<>(ours.tensors().keySet()));
        for (Map.Entry<String, Tensor> e : python.entrySet()) {
            Tensor t = ours.get(e.getKey());
            assertEquals(DType.F32, t.dtype());
            assertTrue(Arrays.equals(e.getValue().shape(), t.shape()), e.getKey());
            assertTrue(Arrays.equals(e.getValue().toFloatArray(), t.toFloatArray()), e.getKey());
        }
        assertEquals(Map.of("format", "pt"), ours.metadata());
        Map<String, Object> pythonConfig = Json.parseObject(Files.readString(MLM_ADAPTER.resolve(
                PeftAdapterFiles.CONFIG)));
        Map<String, Object> ourConfig = Json.parseObject(Files.readString(tmp.resolve(PeftAdapterFiles.CONFIG)));
        assertEquals(pythonConfig, ourConfig, "the adapter_config.json a PEFT save_pretrained writes");
    }

    @Test
    void mergedModelSavedAsEsm2jWeightsEqualsTheAdapters() throws IOException {
        TrainableModel model = modelWith(PeftAdapterFiles.read(MLM_ADAPTER));
        float[] live = model.parameters().clone();
        Path merged = tmp.resolve("merged.safetensors");
        CanonicalWriter.write(new LoadedCheckpoint(model.mergedWeights(), "LoRA-merged " + base.sourceName(),
                base.sourceSha256(), LoadedCheckpoint.FORMAT_ESM2J), merged, DType.F32);
        assertTrue(Arrays.equals(live, model.parameters()), "mergedWeights leaves the model's adapters alone");
        LoadedCheckpoint reloaded = CheckpointLoader.load(merged);
        assertEquals(LoadedCheckpoint.FORMAT_ESM2J, reloaded.format());
        float[] baseQ = base.weights().floats("layers.0.self_attn.q_proj.weight");
        float[] mergedQ = reloaded.weights().floats("layers.0.self_attn.q_proj.weight");
        assertTrue(!Arrays.equals(baseQ, mergedQ), "the adapters changed the saved q_proj weight");

        List<int[]> seqs = sequences();
        int layers = base.weights().config().numLayers();
        try (Esm2Trainer trainer = new CpuBackend().trainer(model, TrainerOptions.defaults());
                Esm2Runtime runtime = new CpuBackend().load(reloaded.weights())) {
            PackedRepresentation withAdapters = trainer.forward(seqs);
            var plain = runtime.forward(seqs, new ForwardRequest(new TreeSet<>(List.of(layers)), false, false, false));
            for (int b = 0; b < seqs.size(); b++) {
                int from = withAdapters.offsets()[b] * withAdapters.dim();
                float[] expected = Arrays.copyOfRange(withAdapters.values(), from,
                        from + withAdapters.lengths()[b] * withAdapters.dim());
                NumericAssert.assertClose("merged model vs adapters, sequence " + b, plain.representation(layers, b),
                        expected, 1e-5, 1e-5);
            }
        }
    }
}
