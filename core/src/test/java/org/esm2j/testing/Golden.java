package org.esm2j.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.io.Json;
import org.esm2j.io.Safetensors;
import org.esm2j.tensor.Tensor;

/** The reference outputs of one fixture model: golden.safetensors and its JSON metadata. */
public final class Golden {
    private final Safetensors.Contents contents;
    private final Map<String, Object> meta;

    private Golden(Safetensors.Contents contents) {
        this.contents = contents;
        this.meta = Json.parseObject(contents.metadata().get("meta"));
    }

    public static Golden of(String model) {
        return new Golden(Safetensors.read(Fixtures.golden(model)));
    }

    public static Golden read(Path file) {
        return new Golden(Safetensors.read(file));
    }

    public Tensor tensor(String key) {
        return contents.get(key);
    }

    public float[] floats(String key) {
        return contents.get(key).toFloatArray();
    }

    /** Every tensor key, in file order. */
    public Set<String> keys() {
        return contents.tensors().keySet();
    }

    public boolean has(String key) {
        return contents.tensors().containsKey(key);
    }

    /** The five reference sequences, as strings that may contain {@code <mask>}. */
    @SuppressWarnings("unchecked")
    public List<String> sequences() {
        return (List<String>) meta.get("sequences");
    }

    public int numLayers() {
        return ((Number) meta.get("layers")).intValue();
    }

    /** Token ids of sequence i ({@code <cls>} residues {@code <eos>}). */
    public int[] tokens(int i) {
        return contents.get("s" + i + ".tokens").toIntArray();
    }

    public Object meta(String key) {
        return meta.get(key);
    }
}
