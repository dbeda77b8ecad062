package org.esm2j.function.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.Alphabet;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.backend.Esm2Model;
import org.esm2j.model.ForwardRequest;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
    private static LoadedCheckpoint checkpoint;
    private static Esm2Model model;
    private static Golden golden;
    private static final List<String> IDS = new ArrayList<>();
    private static final List<String> SEQUENCES = new ArrayList<>();

    @BeforeAll
    static void load() {
        checkpoint = CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.HEADS20));
        model = Esm2Model.load(checkpoint.weights());
        golden = Golden.of(Fixtures.HEADS20);
        List<String> all = golden.sequences();
        // Sequence 3 holds <mask> tokens, which are not protein input.
        for (int i : new int[] {0, 1, 2, 4}) {
            IDS.add("s" + i);
            SEQUENCES.add(all.get(i));
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static MeanEmbedder embedder(int layer) {
        return new MeanEmbedder(model, checkpoint.sourceSha256(), layer, LengthPolicy.defaults(), 256,
                UnknownResiduePolicy.ERROR);
    }

    /** fair-esm's representations (golden, float64 made) averaged over residue rows: an independent reference. */
    private static float[] goldenMean(int sequence, int layer) {
        float[] repr = golden.floats("s" + sequence + ".repr." + layer);
        int d = model.config().embedDim();
        int tokens = repr.length / d;
        double[] sum = new double[d];
        for (int r = 1; r < tokens - 1; r++) {
            for (int c = 0; c < d; c++) {
                sum[c] += repr[r * d + c];
            }
        }
        float[] mean = new float[d];
        for (int c = 0; c < d; c++) {
            mean[c] = (float) (sum[c] / (tokens - 2));
        }
        return mean;
    }

    @Test
    void meanEmbeddingsMatchFairEsmRepresentationsAveragedOverResidues() {
        for (int layer : new int[] {0, 1, 2}) {
            float[][] e = embedder(layer).embed(IDS, SEQUENCES);
            for (int k = 0; k < IDS.size(); k++) {
                int s = Integer.parseInt(IDS.get(k).substring(1));
                NumericAssert.assertClose("layer " + layer + " " + IDS.get(k), e[k], goldenMean(s, layer), 1e-4,
                        1e-4);
            }
        }
    }

    /**
     * Windows: each window run alone through the model, residue rows averaged over the windows covering them, then
     * over residues, must equal what the batched embedder gives (here 3 windows of 12 residues overlapping by 4 on a
     * sequence of about 30).
     */
    @Test
    void longSequencesAreEmbeddedThroughAveragedWindows() {
        String sequence = SEQUENCES.get(2);
        int windowSize = 12;
        int overlap = 4;
        float[] batched = new MeanEmbedder(model, checkpoint.sourceSha256(), 2,
                LengthPolicy.window(windowSize, overlap), 256, UnknownResiduePolicy.ERROR)
                .embed(List.of("s2"), List.of(sequence))[0];
        int n = sequence.length();
        int d = model.config().embedDim();
        double[][] rowSum = new double[n][d];
        int[] covering = new int[n];
        List<Integer> starts = new ArrayList<>();
        for (int start = 0; start + windowSize < n; start += windowSize - overlap) {
            starts.add(start);
        }
        starts.add(n - windowSize);
        assertTrue(starts.size() >= 3, "the sequence spans several windows: " + starts);
        for (int start : starts) {
            int[] tokens = Alphabet.frame(Alphabet.encode(sequence.substring(start, start + windowSize), "w",
                    UnknownResiduePolicy.ERROR));
            float[] rows = model.forward(List.of(tokens), new ForwardRequest(new TreeSet<>(List.of(2)), false,
                    false, false)).representation(2, 0);
            for (int r = 0; r < windowSize; r++) {
                covering[start + r]++;
                for (int c = 0; c < d; c++) {
                    rowSum[start + r][c] += rows[(r + 1) * d + c];
                }
            }
        }
        float[] expected = new float[d];
        for (int c = 0; c < d; c++) {
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += rowSum[r][c] / covering[r];
            }
            expected[c] = (float) (sum / n);
        }
        NumericAssert.assertClose("windowed mean embedding", batched, expected, 1e-5, 1e-4);
    }

    @Test
    void secondPassIsServedFromDiskWithIdenticalVectors(@TempDir Path root) throws Exception {
        EmbeddingCache cache = new EmbeddingCache(embedder(-1), root);
        float[][] first = cache.embed(IDS, SEQUENCES);
        assertEquals(SEQUENCES.size(), cache.misses());
        assertEquals(0, cache.hits());
        try (Stream<Path> files = Files.list(cache.folder())) {
            assertEquals(SEQUENCES.size(), files.filter(p -> p.toString().endsWith(".npy")).count());
        }
        assertTrue(cache.folder().startsWith(root.resolve(checkpoint.sourceSha256())), cache.folder().toString());
        assertEquals("layer2-mean-error1022", cache.folder().getFileName().toString(), "-1 resolves to the last layer");

        EmbeddingCache again = new EmbeddingCache(embedder(2), root);
        float[][] second = again.embed(List.of(IDS.get(1), "other-name"), List.of(SEQUENCES.get(1), SEQUENCES.get(0)));
        assertEquals(2, again.hits());
        assertEquals(0, again.misses());
        assertArrayEquals(first[1], second[0]);
        assertArrayEquals(first[0], second[1]);
    }

    @Test
    void otherLayersAndLengthPoliciesAreSeparateEntries(@TempDir Path root) {
        EmbeddingCache last = new EmbeddingCache(embedder(2), root);
        EmbeddingCache first = new EmbeddingCache(embedder(1), root);
        EmbeddingCache truncated = new EmbeddingCache(new MeanEmbedder(model, checkpoint.sourceSha256(), 2,
                LengthPolicy.truncate(5), 256, UnknownResiduePolicy.ERROR), root);
        float[] a = last.embed(IDS.subList(0, 1), SEQUENCES.subList(0, 1))[0];
        float[] b = first.embed(IDS.subList(0, 1), SEQUENCES.subList(0, 1))[0];
        float[] c = truncated.embed(IDS.subList(0, 1), SEQUENCES.subList(0, 1))[0];
        assertEquals(1, last.misses());
        assertEquals(1, first.misses());
        assertEquals(1, truncated.misses());
        assertNotEquals(last.folder(), first.folder());
        assertNotEquals(last.folder(), truncated.folder());
        NumericAssert.assertClose("layer 1 from its own entry", b, goldenMean(0, 1), 1e-4, 1e-4);
        assertTrue(maxAbsDiff(a, c) > 1e-3, "truncation to 5 residues changes the vector");
    }

    @Test
    void aDamagedEntryIsRecomputedAndReplaced(@TempDir Path root) throws Exception {
        EmbeddingCache cache = new EmbeddingCache(embedder(2), root);
        float[] good = cache.embed(IDS.subList(0, 1), SEQUENCES.subList(0, 1))[0];
        Path entry;
        try (Stream<Path> files = Files.list(cache.folder())) {
            entry = files.findFirst().orElseThrow();
        }
        Files.write(entry, new byte[] {1, 2, 3});
        EmbeddingCache reopened = new EmbeddingCache(embedder(2), root);
        assertArrayEquals(good, reopened.embed(IDS.subList(0, 1), SEQUENCES.subList(0, 1))[0]);
        assertEquals(1, reopened.misses());
        assertTrue(Files.size(entry) > 3, "the damaged file was replaced");
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
