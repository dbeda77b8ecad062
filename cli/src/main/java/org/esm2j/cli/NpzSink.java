package org.esm2j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.esm2j.io.Json;
import org.esm2j.io.Npy;
import org.esm2j.tensor.Tensor;

/**
 * Streams outputs into an {@code .npz}: each array becomes a member as soon as it is computed, so memory stays at one
 * batch. Members appear in computation order (batches run shortest first); numpy looks them up by name. The metadata
 * is a {@code __metadata__.json} member holding a JSON object of the same string values a safetensors file carries:
 * {@code json.loads(np.load(f)["__metadata__.json"])}.
 */
final class NpzSink implements OutputSink {
    static final String METADATA_ENTRY = "__metadata__.json";

    private final Npy.NpzWriter npz;
    private final Set<String> names = new HashSet<>();

    NpzSink(OutputStream out) {
        this.npz = new Npy.NpzWriter(out);
    }

    @Override
    public void put(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException {
        String name = recordId + "/" + key;
        if (!names.add(name)) {
            throw new IllegalStateException("output '" + name + "' written twice");
        }
        npz.add(name, Tensor.ofFloats(values, shape));
    }

    @Override
    public void finish(Map<String, String> metadata) throws IOException {
        npz.addFile(METADATA_ENTRY, Json.write(metadata).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        npz.close();
    }
}
