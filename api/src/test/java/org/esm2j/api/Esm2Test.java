package org.esm2j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.hub.HubException;
import org.esm2j.model.ForwardRequest;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The facade against fair-esm's golden outputs for the tiny fixture (float64 reference stored as float32; tolerance
 * 1e-4 * max(1, |ref|) for representations and logits, 1e-5 absolute for contacts, as the parity tests use), and its
 * guards: shapes, layer names, input errors naming the sequence, use after close, concurrent callers.
 */
class Esm2Test {
    private static final double TOL = 1e-4;
    private static Golden golden;
    private static Esm2 esm;
    private static int layers;
    private static int dim;

    @BeforeAll
    static void load() {
        golden = Golden.of(Fixtures.TINY);
        esm = Esm2.loader().backend("cpu").load(Fixtures.metaCheckpoint(Fixtures.TINY));
        layers = esm.config().numLayers();
        dim = esm.config().embedDim();
    }

    @AfterAll
    static void close() {
        esm.close();
    }

    /** Golden rows 1..n of a (T, width) array: the residues without cls and eos. */
    private static float[] residueRows(String key, int width) {
        float[] all = golden.floats(key);
        return Arrays.copyOfRange(all, width, all.length - width);
    }

    private static float[] columnMeans(float[] rows, int width) {
        int n = rows.length / width;
        double[] sum = new double[width];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < width; c++) {
                sum[c] += rows[r * width + c];
            }
        }
        float[] mean = new float[width];
        for (int c = 0; c < width; c++) {
            mean[c] = (float) (sum[c] / n);
        }
        return mean;
    }

    @Test
    void embedGivesTheLastLayersResidueRowsMeanAndBosOfTheReference() {
        String sequence = golden.sequences().get(2);

        SequenceOutput out = esm.embed(sequence);

        float[] reference = residueRows("s2.repr." + layers, dim);
        assertEquals(sequence.length(), out.length());
        assertEquals(Set.of(layers), out.layers());
        assertEquals(new Matrix(sequence.length(), dim, out.perResidue().data()), out.perResidue());
        NumericAssert.assertClose("per-residue", out.perResidue().data(), reference, TOL, TOL);
        NumericAssert.assertClose("mean", out.mean(), columnMeans(reference, dim), TOL, TOL);
        NumericAssert.assertClose("bos", out.bos(), Arrays.copyOf(golden.floats("s2.repr." + layers), dim), TOL, TOL);
        assertArrayEquals(out.perResidue().data(), out.perResidue(-1).data());
    }

    @Test
    void requestedLayersLogitsAndContactsMatchTheReferenceWithShapes() {
        Esm2Request request = Esm2Request.builder().layers(0, -1).logits().contacts().build();

        List<SequenceOutput> outs = esm.run(golden.sequences(), request);

        assertEquals(golden.sequences().size(), outs.size());
        for (int i = 0; i < outs.size(); i++) {
            SequenceOutput out = outs.get(i);
            int n = golden.tokens(i).length - 2;
            assertEquals(Set.of(0, layers), out.layers());
            NumericAssert.assertClose("s" + i + " layer 0", out.perResidue(0).data(),
                    residueRows("s" + i + ".repr.0", dim), TOL, TOL);
            NumericAssert.assertClose("s" + i + " layer -1", out.perResidue(-1).data(),
                    residueRows("s" + i + ".repr." + layers, dim), TOL, TOL);
            assertEquals(n, out.logits().rows());
            assertEquals(Alphabet.SIZE, out.logits().cols());
            NumericAssert.assertClose("s" + i + " logits", out.logits().data(),
                    residueRows("s" + i + ".logits", Alphabet.SIZE), TOL, TOL);
            assertEquals(n, out.contacts().rows());
            assertEquals(n, out.contacts().cols());
            NumericAssert.assertClose("s" + i + " contacts", out.contacts().data(),
                    golden.floats("s" + i + ".contacts"), 1e-5, 0);
        }
    }

    @Test
    void batchedRunEqualsEachSequenceAloneBitForBit() {
        Esm2Request request = Esm2Request.builder().layers(1).logits().build();
        List<SequenceOutput> batched;
        try (Esm2 small = Esm2.loader().backend("cpu").tokensPerBatch(64)
                .load(Fixtures.metaCheckpoint(Fixtures.TINY))) {
            batched = small.run(golden.sequences(), request);
        }
        for (int i = 0; i < batched.size(); i++) {
            SequenceOutput alone = esm.run(golden.sequences().get(i), request);
            assertArrayEquals(alone.perResidue().data(), batched.get(i).perResidue().data(), "sequence " + i);
            assertArrayEquals(alone.logits().data(), batched.get(i).logits().data(), "sequence " + i);
        }
    }

    @Test
    void layerNamesAreCheckedAndAmbiguityIsRefused() {
        SequenceOutput two = esm.run("MKTAYIAKQR", Esm2Request.builder().layers(0, 2).build());
        IllegalStateException several = assertThrows(IllegalStateException.class, two::mean);
        assertTrue(several.getMessage().contains("[0, 2]"), several.getMessage());
        assertArrayEquals(two.mean(2), two.mean(-1));
        IllegalArgumentException notAsked = assertThrows(IllegalArgumentException.class, () -> two.perResidue(1));
        assertTrue(notAsked.getMessage().contains("layer 1 was not requested"), notAsked.getMessage());
        assertThrows(IllegalArgumentException.class, () -> two.bos(-4));
        assertThrows(IllegalStateException.class, two::logits);
        assertThrows(IllegalStateException.class, two::contacts);
        InvalidInputException outside = assertThrows(InvalidInputException.class,
                () -> esm.run("MK", Esm2Request.builder().layers(3).build()));
        assertTrue(outside.getMessage().contains("layer 3"), outside.getMessage());
    }

    @Test
    void badSequencesAreNamedByTheirIndex() {
        InvalidInputException unknown = assertThrows(InvalidInputException.class,
                () -> esm.embed(List.of("MKT", "MKJT")));
        assertTrue(unknown.getMessage().contains("sequence 1") && unknown.getMessage().contains("'J'"),
                unknown.getMessage());
        assertEquals(4, esm.run("MKJT", Esm2Request.builder().unknownResidues(UnknownResiduePolicy.MAP_TO_X).build())
                .length());
        InvalidInputException empty = assertThrows(InvalidInputException.class, () -> esm.embed(List.of("MK", " ")));
        assertTrue(empty.getMessage().contains("sequence 1"), empty.getMessage());
        String tooLong = "A".repeat(LengthPolicy.DEFAULT_MAX_RESIDUES + 1);
        InvalidInputException over = assertThrows(InvalidInputException.class, () -> esm.embed(tooLong));
        assertTrue(over.getMessage().contains("sequence 0") && over.getMessage().contains("1022"), over.getMessage());
    }

    @Test
    void truncationAndWindowsFollowTheLengthPolicy() {
        String sequence = golden.sequences().get(2);
        assertTrue(sequence.length() > 12, "fixture sequence long enough to cut: " + sequence);
        SequenceOutput truncated = esm.run(sequence,
                Esm2Request.builder().lengthPolicy(LengthPolicy.truncate(12)).build());
        assertEquals(12, truncated.length());

        // Windows of 12 with overlap 4: rows 0..7 are seen only by the first window, i.e. by the first 12 residues.
        SequenceOutput windowed = esm.run(sequence, Esm2Request.builder().lengthPolicy(LengthPolicy.window(12, 4))
                .logits().build());
        assertEquals(sequence.length(), windowed.length());
        assertEquals(sequence.length(), windowed.logits().rows());
        assertArrayEquals(Arrays.copyOf(truncated.perResidue().data(), 8 * dim),
                Arrays.copyOf(windowed.perResidue().data(), 8 * dim));
        assertArrayEquals(truncated.bos(), windowed.bos());
    }

    @Test
    void lowLevelModelRefusesUnframedTokens() {
        int[] residues = Alphabet.encode("MKTAYIAKQR", "query", UnknownResiduePolicy.ERROR);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> esm.model().forward(List.of(residues), ForwardRequest.logitsOnly()));
        assertTrue(e.getMessage().contains("sequence 0 is not framed") && e.getMessage().contains("Alphabet.frame"),
                e.getMessage());
        assertEquals(1, esm.model().forward(List.of(Alphabet.frame(residues)), ForwardRequest.logitsOnly())
                .batchSize());
    }

    @Test
    void useAfterCloseIsAClearError() {
        Esm2 closing = Esm2.loader().backend("cpu").load(Fixtures.metaCheckpoint(Fixtures.TINY));
        closing.close();
        closing.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closing.embed("MK"));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, closing::model);
        assertThrows(IllegalStateException.class, closing::config);
    }

    @Test
    void concurrentCallersGetTheSameResultsAsOneCaller() throws Exception {
        List<String> sequences = golden.sequences();
        List<SequenceOutput> expected = esm.embed(sequences);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<SequenceOutput>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> esm.embed(sequences)));
            }
            for (Future<List<SequenceOutput>> f : futures) {
                List<SequenceOutput> got = f.get();
                for (int i = 0; i < sequences.size(); i++) {
                    assertArrayEquals(expected.get(i).perResidue().data(), got.get(i).perResidue().data());
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void unknownModelNameListsTheReleasedOnesBeforeAnyDownload() {
        HubException e = assertThrows(HubException.class, () -> Esm2.load("esm2_t6_9M_UR50D"));
        assertTrue(e.getMessage().contains("esm2_t33_650M_UR50D") && e.getMessage().contains("facebook/"),
                e.getMessage());
    }
}
