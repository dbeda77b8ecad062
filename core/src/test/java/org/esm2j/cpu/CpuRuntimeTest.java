package org.esm2j.cpu;

import org.esm2j.data.Alphabet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backends;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.tensor.Tensor;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole forward pass on a random model with head_dim 24 (esm2_t12_35M's, which no fixture has) against a naive
 * double-precision transcription of fair-esm's ESM2.forward; sequences of 1, 2, 9 and 97 tokens, with masks. Tolerance
 * as for the golden fixtures: 1e-4 * max(1, |ref|). Batched and single runs must agree bit for bit.
 */
class CpuRuntimeTest {
    private static final int LAYERS = 2;
    private static final int DIM = 48;
    private static final int HEADS = 2;
    private static Esm2Weights weights;
    private static CpuRuntime runtime;

    @BeforeAll
    static void build() {
        Esm2Config config = Esm2Config.of(LAYERS, DIM, HEADS);
        Random rnd = new Random(42);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : Esm2Weights.expectedShapes(config, true).entrySet()) {
            long[] shape = e.getValue();
            float[] v = new float[(int) Tensor.numel(shape)];
            String name = e.getKey();
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith("inv_freq")) {
                    v[i] = (float) Math.pow(10000, -2.0 * i / config.headDim());
                } else if (name.contains("norm") && name.endsWith("weight")) {
                    v[i] = 1 + 0.1f * (float) rnd.nextGaussian();
                } else if (name.equals(Esm2Weights.EMBED_TOKENS)) {
                    v[i] = (float) rnd.nextGaussian();
                } else {
                    v[i] = (float) (rnd.nextGaussian() / Math.sqrt(shape[shape.length - 1]));
                }
            }
            tensors.put(name, Tensor.ofFloats(v, shape));
        }
        weights = new Esm2Weights(config, tensors);
        runtime = new CpuRuntime(weights);
    }

    private static int[] sequence(Random rnd, int length, int masks) {
        int[] t = new int[length];
        for (int i = 0; i < length; i++) {
            t[i] = 4 + rnd.nextInt(20);
        }
        t[0] = 0;
        if (length > 1) {
            t[length - 1] = 2;
        }
        for (int m = 0; m < masks; m++) {
            t[1 + rnd.nextInt(length - 2)] = Alphabet.MASK;
        }
        return t;
    }

    private static List<int[]> batch() {
        Random rnd = new Random(1);
        return List.of(sequence(rnd, 9, 2), sequence(rnd, 1, 0), sequence(rnd, 97, 5), sequence(rnd, 2, 0));
    }

    private static ForwardRequest everything(boolean contacts) {
        TreeSet<Integer> layers = new TreeSet<>();
        for (int l = 0; l <= LAYERS; l++) {
            layers.add(l);
        }
        return new ForwardRequest(layers, true, true, contacts);
    }

    @Test
    void matchesNaiveDoubleForwardAndBatchEqualsSingle() {
        List<int[]> tokens = batch();
        ForwardResult batched = runtime.forward(tokens, everything(false));
        for (int b = 0; b < tokens.size(); b++) {
            int[] seq = tokens.get(b);
            NaiveForward ref = new NaiveForward(weights, seq);
            ForwardResult single = runtime.forward(List.of(seq), everything(false));
            String what = "T=" + seq.length;
            NumericAssert.assertClose(what + " logits", single.logits(0), ref.logits, 1e-4, 1e-4);
            for (int l = 0; l <= LAYERS; l++) {
                NumericAssert.assertClose(what + " repr." + l, single.representation(l, 0), ref.reprs[l], 1e-4,
                        1e-4);
            }
            NumericAssert.assertClose(what + " attentions", single.attentions(0), ref.attentions, 1e-5, 0);
            assertArrayEquals(single.logits(0), batched.logits(b), what + " batched logits");
            assertArrayEquals(single.attentions(0), batched.attentions(b), what + " batched attentions");
            for (int l = 0; l <= LAYERS; l++) {
                assertArrayEquals(single.representation(l, 0), batched.representation(l, b), what + " repr." + l);
            }
        }
    }

    @Test
    void contactsOnlyReturnsNoAttentionsAndMatchesFullRequest() {
        List<int[]> tokens = batch().subList(2, 4);
        ForwardResult full = runtime.forward(tokens, everything(true));
        ForwardResult contactsOnly = runtime.forward(tokens, new ForwardRequest(new TreeSet<>(), false, false, true));
        assertThrows(IllegalStateException.class, () -> contactsOnly.attentions(0));
        assertThrows(IllegalStateException.class, () -> contactsOnly.logits(0));
        for (int b = 0; b < tokens.size(); b++) {
            int n = tokens.get(b).length - 2;
            assertEquals(n * n, contactsOnly.contacts(b).length);
            assertArrayEquals(full.contacts(b), contactsOnly.contacts(b));
        }
    }

    @Test
    void logProbabilitiesAloneAreTheLogSoftmaxOfTheLogits() {
        List<int[]> tokens = batch();
        ForwardResult logits = runtime.forward(tokens, ForwardRequest.logitsOnly());
        ForwardResult logProbs = runtime.forward(tokens, ForwardRequest.logProbabilitiesOnly());
        assertThrows(IllegalStateException.class, () -> logProbs.logits(0));
        for (int b = 0; b < tokens.size(); b++) {
            float[] expected = LogSoftmax.rows(logits.logits(b), Esm2Config.ESM2_VOCAB_SIZE);
            assertArrayEquals(expected, logProbs.logProbabilities(b), "sequence " + b);
        }
    }

    @Test
    void rejectsBadInput() {
        ForwardRequest logits = ForwardRequest.logitsOnly();
        assertThrows(IllegalArgumentException.class, () -> runtime.forward(List.of(new int[0]), logits));
        assertThrows(IllegalArgumentException.class, () -> runtime.forward(List.of(new int[] {0, 33, 2}), logits));
        assertThrows(InvalidInputException.class, () -> runtime.forward(List.of(new int[] {0, 5, 1, 2}), logits));
        assertThrows(IllegalArgumentException.class, () -> runtime.forward(List.of(new int[] {0, 5, 2}),
                logits.withRepresentations(List.of(LAYERS + 1))));
        assertEquals(0, runtime.forward(new ArrayList<>(), logits).batchSize());
    }

    @Test
    void registeredAsTheCpuBackend() {
        assertEquals(CpuBackend.NAME, Backends.select("cpu").name());
        assertTrue(new CpuBackend().unavailableReason().isEmpty());
        ForwardResult r = new CpuBackend().load(weights).forward(List.of(new int[] {0, 5, 2}),
                ForwardRequest.logitsOnly());
        assertEquals(3 * 33, r.logits(0).length);
        assertFalse(r.hasRepresentation(0));
    }
}
