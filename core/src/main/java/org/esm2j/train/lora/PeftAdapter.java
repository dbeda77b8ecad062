package org.esm2j.train.lora;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.esm2j.CheckpointException;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.LoraConfig;
import org.esm2j.train.LoraTarget;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.esm2j.train.TrainableModel;

/**
 * A LoRA adapter as PEFT saves it: its settings, the Hugging Face class it belongs to and its tensors (every adapter
 * matrix, plus the head when the class has one), held under esm2j's parameter names
 * ({@code layers.0.self_attn.q_proj.lora_A}, {@code classifier.dense.weight}). {@link PeftAdapterFiles} reads and
 * writes it in PEFT's file layout; {@link #of} takes it from a trained model and {@link #applyTo} puts it into one.
 *
 * @param tensors float32 tensors by esm2j name, adapters in layer order then the head
 */
public record PeftAdapter(PeftAdapterConfig config, PeftBaseModel base, Map<String, Tensor> tensors) {
    /** Checks that the tensors are the adapters the config promises, with its rank, in whole layers. */
    public PeftAdapter {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        LoraConfig lora = config.lora();
        Set<Integer> layers = layers(tensors.keySet());
        if (layers.isEmpty()) {
            throw new CheckpointException("the adapter has no LoRA tensors");
        }
        for (int layer : layers) {
            for (LoraTarget t : lora.targets()) {
                requireRank(tensors, t.adapterA(layer), 0, layer, t, true, base, lora.rank());
                requireRank(tensors, t.adapterB(layer), 1, layer, t, false, base, lora.rank());
            }
        }
        for (String name : tensors.keySet()) {
            LoraTarget target = adapterTarget(name);
            if (target != null && !lora.targets().contains(target)) {
                throw new CheckpointException("adapter tensor '" + peftKey(name, base) + "' is on "
                        + target.huggingFaceModule() + ", which target_modules does not name");
            }
        }
        for (String head : base.headTensors()) {
            if (!tensors.containsKey(head)) {
                throw new CheckpointException("a " + base.className() + " adapter carries its head as modules_to_save,"
                        + " but '" + PeftKeys.moduleToSave(head) + "' is missing");
            }
        }
    }

    private static void requireRank(Map<String, Tensor> tensors, String name, int rankAxis, int layer,
            LoraTarget target, boolean down, PeftBaseModel base, int rank) {
        String key = PeftKeys.adapter(base, layer, target, down);
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("missing adapter tensor '" + key + "' (layer " + layer + " has other "
                    + "adapters, and target_modules names " + target.huggingFaceModule() + ")");
        }
        if (t.rank() != 2 || t.dim(rankAxis) != rank) {
            throw new CheckpointException("adapter tensor '" + key + "' has shape " + Arrays.toString(t.shape())
                    + ", but r = " + rank + (down ? " needs (r, in)" : " needs (out, r)"));
        }
    }

    /** The adapters and head of {@code model}, for a Python user who loads them into {@code base}. */
    public static PeftAdapter of(TrainableModel model, PeftBaseModel base, String baseModelNameOrPath) {
        LoraConfig lora = model.lora().orElseThrow(() -> new IllegalStateException("the model has no LoRA adapters"));
        ParameterLayout layout = model.layout();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int l = 0; l < model.config().numLayers(); l++) {
            for (LoraTarget t : lora.targets()) {
                for (String name : new String[] {t.adapterA(l), t.adapterB(l)}) {
                    tensors.put(name, Tensor.ofFloats(model.values(name), layout.entry(name).shape()));
                }
            }
        }
        long dim = model.config().embedDim();
        for (String head : base.headTensors()) {
            if (!layout.contains(head)) {
                throw new IllegalArgumentException(base.className() + " needs its head '" + head
                        + "', which the model lacks; build the model with the matching Hugging Face head "
                        + "(SequenceClassifier.huggingFace or TokenClassifier)");
            }
            long[] shape = layout.entry(head).shape();
            if (head.endsWith(".weight") && shape[1] != dim) {
                throw new IllegalArgumentException("head tensor '" + head + "' has shape " + Arrays.toString(shape)
                        + "; " + base.className() + " takes " + dim + " features");
            }
            tensors.put(head, Tensor.ofFloats(model.values(head), shape));
        }
        return new PeftAdapter(PeftAdapterConfig.of(lora, base, baseModelNameOrPath), base, tensors);
    }

    /**
     * Copies the adapter (and head) into {@code model}, which must have been built with {@code config().lora()} (and
     * the head). Everything is checked before anything is written.
     *
     * @throws CheckpointException when the adapter does not fit the model: another rank, other targets, other
     *     dimensions or layer count (a different base model), a head tensor the model lacks
     */
    public void applyTo(TrainableModel model) {
        LoraConfig mine = config.lora();
        LoraConfig theirs = model.lora().orElseThrow(() -> new CheckpointException(
                "the model was built without LoRA; build it with this adapter's config().lora()"));
        if (mine.rank() != theirs.rank() || !mine.targets().equals(theirs.targets())
                || mine.scaling() != theirs.scaling()) {
            throw new CheckpointException("the adapter has r = " + mine.rank() + ", scaling " + mine.scaling()
                    + " on " + mine.targets() + " but the model was built with r = " + theirs.rank() + ", scaling "
                    + theirs.scaling() + " on " + theirs.targets());
        }
        if (model.loraMerged()) {
            throw new IllegalStateException("the model's adapters are merged; unmerge before loading others");
        }
        ParameterLayout layout = model.layout();
        int layerCount = model.config().numLayers();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            boolean adapter = adapterTarget(name) != null;
            String key = adapter ? peftKey(name, base) : PeftKeys.moduleToSave(name);
            if (!layout.contains(name)) {
                throw new CheckpointException("adapter tensor '" + key + "' has no place in the model"
                        + (adapter ? " (it has " + layerCount + " layers)" : "; build the model with its head"));
            }
            long[] expected = layout.entry(name).shape();
            if (!e.getValue().hasShape(expected)) {
                throw new CheckpointException("adapter tensor '" + key + "' has shape "
                        + Arrays.toString(e.getValue().shape()) + " but the model's is " + Arrays.toString(expected)
                        + (adapter ? ": the adapter belongs to a base model of other dimensions" : ""));
            }
        }
        for (ParameterEntry e : layout.entries()) {
            if (adapterTarget(e.name()) != null && !tensors.containsKey(e.name())) {
                throw new CheckpointException("the adapter has no tensor for '" + e.name() + "' (PEFT key '"
                        + peftKey(e.name(), base) + "'): it was trained on a model with fewer layers");
            }
        }
        tensors.forEach((name, t) -> model.setValues(name, t.toFloatArray()));
    }

    /** The adapted projection of an esm2j adapter name, or null for a head tensor. */
    private static LoraTarget adapterTarget(String name) {
        for (LoraTarget t : LoraTarget.values()) {
            if (name.endsWith("." + t.module() + ".lora_A") || name.endsWith("." + t.module() + ".lora_B")) {
                return t;
            }
        }
        return null;
    }

    private static int layerOf(String adapterName) {
        return Integer.parseInt(adapterName.substring("layers.".length(), adapterName.indexOf('.', 7)));
    }

    private static Set<Integer> layers(Set<String> names) {
        Set<Integer> layers = new TreeSet<>();
        for (String n : names) {
            if (adapterTarget(n) != null) {
                layers.add(layerOf(n));
            }
        }
        return layers;
    }

    /** PEFT's key for one of esm2j's adapter names. */
    static String peftKey(String adapterName, PeftBaseModel base) {
        return PeftKeys.adapter(base, layerOf(adapterName), adapterTarget(adapterName), adapterName.endsWith("_A"));
    }
}
