package org.esm2j.function.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Npy;
import org.esm2j.io.Sha256;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ProteinEmbedder} that keeps every vector it computes on disk, so a sweep over probes and hyperparameters
 * runs the model once per sequence. Layout: {@code <root>/<model sha256>/<layer and length policy>/<sequence
 * sha256>.npy}, one float32 vector per file; the key is exactly what determines the vector (weights, layer, pooling,
 * length policy, residues), so entries never go stale. Files are written atomically (temporary file + rename), so
 * concurrent runs sharing a cache at worst compute a vector twice, and an interrupted run leaves no partial entry. A
 * file that cannot be read back as a vector of the right size is recomputed and replaced, with a warning.
 */
public final class EmbeddingCache implements ProteinEmbedder {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingCache.class);

    private final ProteinEmbedder embedder;
    private final Path folder;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public EmbeddingCache(ProteinEmbedder embedder, Path root) {
        this.embedder = embedder;
        this.folder = root.resolve(embedder.spec().modelDigest()).resolve(embedder.spec().folderName());
    }

    /** The folder holding this model/layer/policy's vectors. */
    public Path folder() {
        return folder;
    }

    @Override
    public int dimension() {
        return embedder.dimension();
    }

    @Override
    public EmbeddingSpec spec() {
        return embedder.spec();
    }

    /** Vectors served from disk since this object was made. */
    public long hits() {
        return hits.get();
    }

    /** Vectors computed by the model since this object was made. */
    public long misses() {
        return misses.get();
    }

    @Override
    public float[][] embed(List<String> ids, List<String> sequences) {
        if (ids.size() != sequences.size()) {
            throw new IllegalArgumentException(ids.size() + " ids for " + sequences.size() + " sequences");
        }
        int n = sequences.size();
        float[][] out = new float[n][];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out[i] = read(entry(sequences.get(i)));
            if (out[i] == null) {
                missing.add(i);
            }
        }
        hits.addAndGet(n - missing.size());
        misses.addAndGet(missing.size());
        if (!missing.isEmpty()) {
            List<String> missingIds = new ArrayList<>(missing.size());
            List<String> missingSequences = new ArrayList<>(missing.size());
            for (int i : missing) {
                missingIds.add(ids.get(i));
                missingSequences.add(sequences.get(i));
            }
            float[][] computed = embedder.embed(missingIds, missingSequences);
            for (int k = 0; k < missing.size(); k++) {
                int i = missing.get(k);
                out[i] = computed[k];
                write(entry(sequences.get(i)), computed[k]);
            }
        }
        LOG.debug("embedding cache {}: {} of {} vectors from disk", folder, n - missing.size(), n);
        return out;
    }

    private Path entry(String sequence) {
        return folder.resolve(sha256(sequence) + ".npy");
    }

    private float[] read(Path file) {
        ByteBuffer bytes;
        try {
            bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cached embedding " + file + ": " + e.getMessage(), e);
        }
        try {
            Tensor t = Npy.read(bytes, file.toString());
            if (t.dtype() == DType.F32 && t.rank() == 1 && t.dim(0) == dimension()) {
                return t.toFloatArray();
            }
            LOG.warn("cached embedding {} has {} {} instead of F32 [{}]; recomputing it", file, t.dtype(),
                    java.util.Arrays.toString(t.shape()), dimension());
        } catch (RuntimeException e) {
            LOG.warn("cached embedding {} is unreadable ({}); recomputing it", file, e.getMessage());
        }
        return null;
    }

    private static void write(Path file, float[] vector) {
        try {
            AtomicFiles.write(file, out -> Npy.write(out, Tensor.ofFloats(vector, vector.length)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cached embedding " + file + ": " + e.getMessage(), e);
        }
    }

    static String sha256(String sequence) {
        return Sha256.ofText(sequence);
    }
}
