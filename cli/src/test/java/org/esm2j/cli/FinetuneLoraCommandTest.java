package org.esm2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.esm2j.function.synthetic.SyntheticFunctionTask;
import org.esm2j.io.Json;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code esm2j finetune --mode lora} then {@code esm2j predict} on the generated motif task with the tiny fixture
 * model (a few epochs: this checks the command-line flow; learning is checked in BackboneModesTest): the directory
 * holds the adapters and the curve, predict's scores of the test proteins are the ones finetune wrote for them, and
 * another base model is refused.
 */
class FinetuneLoraCommandTest {
    @TempDir
    Path dir;

    @Test
    void loraFinetuneThenPredict() throws IOException {
        SyntheticFunctionTask task = SyntheticFunctionTask.standard(7);
        StringBuilder fasta = new StringBuilder();
        StringBuilder labels = new StringBuilder("protein\tterm\n");
        for (SyntheticFunctionTask.Protein p : task.proteins()) {
            fasta.append('>').append(p.id()).append('\n').append(p.sequence()).append('\n');
            for (int t = 0; t < p.terms().length; t++) {
                if (p.terms()[t]) {
                    labels.append(p.id()).append('\t').append(task.termNames().get(t)).append('\n');
                }
            }
        }
        Path fastaFile = Files.writeString(dir.resolve("task.fasta"), fasta);
        Path labelsFile = Files.writeString(dir.resolve("labels.tsv"), labels);
        Path model = Fixtures.huggingFaceFolder(Fixtures.TINY);
        Path predictor = dir.resolve("lora");
        Path testOut = dir.resolve("test");
        Cli.Result finetune = Cli.run("finetune", "--model", model, "--fasta", fastaFile, "--labels", labelsFile,
                "--mode", "lora", "--set", "max_epochs=3", "--set", "batch_size=16", "--set", "lora_r=4",
                "--set", "lora_targets=query,key,value,dense", "--out", predictor, "--test-out", testOut);
        assertEquals(0, finetune.exitCode(), finetune.toString());
        assertTrue(finetune.err().contains("epoch 3: training loss"), finetune.err());
        for (String f : List.of("predictor.json", "head.safetensors", "adapter_config.json",
                "adapter_model.safetensors", "training_curve.tsv", "finetune.json")) {
            assertTrue(Files.isRegularFile(predictor.resolve(f)), f);
        }
        assertFalse(Files.exists(predictor.resolve("backbone.safetensors")), "LoRA keeps no copy of the backbone");
        var adapterConfig = Json.parseObject(Files.readString(predictor.resolve("adapter_config.json")));
        assertEquals(4L, adapterConfig.get("r"));
        assertEquals(List.of("query", "key", "value", "attention.output.dense"), adapterConfig.get("target_modules"));

        Path predicted = dir.resolve("predicted.tsv");
        Cli.Result predict = Cli.run("predict", "--predictor", predictor, "--model", model, "--fasta",
                testOut.resolve("test.fasta"), "--out", predicted, "--min-score", 0);
        assertEquals(0, predict.exitCode(), predict.toString());
        // Both print the same float scores with 6 decimals: the files agree line for line.
        List<String> fromFinetune = Files.readAllLines(testOut.resolve("predictions.tsv"));
        assertTrue(fromFinetune.size() > 1, "test predictions written");
        assertEquals(fromFinetune, Files.readAllLines(predicted));

        Cli.Result other = Cli.run("predict", "--predictor", predictor, "--model",
                Fixtures.huggingFaceFolder(Fixtures.HEAD_DIM64), "--fasta", fastaFile, "--out", dir.resolve("x.tsv"));
        assertEquals(3, other.exitCode(), other.toString());
        assertTrue(other.err().contains("was trained on base model"), other.err());
    }
}
