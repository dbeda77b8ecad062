package org.esm2j.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU forward pass against fair-esm's float64 reference (golden.safetensors) for the three fixture models, loaded
 * from Meta's .pt and from the Hugging Face folder. Tolerances from the fixture README: logits and representations
 * max|diff| <= 1e-4 * max(1, |ref|); attentions and contacts 1e-5 absolute. The five sequences run one at a time and
 * as one packed batch; the two must agree bit for bit, because attention only ever sees a sequence's own rows and
 * every other operation is row-wise with a fixed reduction order.
 */
class ForwardParityTest {
    private static final double TOL = 1e-4;
    private static final double PROB_ATOL = 1e-5;
    private static final int SEQUENCES = 5;

    static Stream<Arguments> checkpoints() {
        List<Arguments> out = new ArrayList<>();
        for (String model : Fixtures.MODELS) {
            out.add(Arguments.of(model, "fair-esm .pt", Fixtures.metaCheckpoint(model)));
            out.add(Arguments.of(model, "hf", Fixtures.huggingFaceFolder(model)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("checkpoints")
    void matchesFairEsm(String modelName, String format, Path path) {
        Golden golden = Golden.of(modelName);
        Esm2Weights weights = CheckpointLoader.load(path).weights();
        int layers = weights.config().numLayers();
        List<Integer> allLayers = new ArrayList<>();
        for (int l = 0; l <= layers; l++) {
            allLayers.add(l);
        }
        boolean withAttentions = golden.has("s0.attentions");
        ForwardRequest request = new ForwardRequest(new TreeSet<>(allLayers), true, withAttentions, true);
        List<int[]> tokens = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            tokens.add(golden.tokens(i));
        }
        Map<String, Double> worst = new LinkedHashMap<>();
        try (Esm2Model model = Esm2Model.load(weights, new CpuBackend())) {
            ForwardResult batch = model.forward(tokens, request);
            for (int i = 0; i < SEQUENCES; i++) {
                String what = modelName + " (" + format + ") s" + i;
                ForwardResult single = model.forward(List.of(tokens.get(i)), request);
                assertEquals(tokens.get(i).length, single.tokenCount(0));
                record(worst, "logits", NumericAssert.assertClose(what + " logits", single.logits(0),
                        golden.floats("s" + i + ".logits"), TOL, TOL));
                for (int l = 0; l <= layers; l++) {
                    record(worst, "repr", NumericAssert.assertClose(what + " repr." + l,
                            single.representation(l, 0), golden.floats("s" + i + ".repr." + l), TOL, TOL));
                }
                record(worst, "contacts", NumericAssert.assertClose(what + " contacts", single.contacts(0),
                        golden.floats("s" + i + ".contacts"), PROB_ATOL, 0));
                if (withAttentions) {
                    record(worst, "attentions", NumericAssert.assertClose(what + " attentions",
                            single.attentions(0), golden.floats("s" + i + ".attentions"), PROB_ATOL, 0));
                }
                assertArrayEquals(single.logits(0), batch.logits(i), what + ": batched logits differ from single");
                for (int l = 0; l <= layers; l++) {
                    assertArrayEquals(single.representation(l, 0), batch.representation(l, i),
                            what + ": batched repr." + l + " differs from single");
                }
                assertArrayEquals(single.contacts(0), batch.contacts(i), what + ": batched contacts differ");
                if (withAttentions) {
                    assertArrayEquals(single.attentions(0), batch.attentions(i), what + ": batched attentions differ");
                }
            }
        }
        System.out.println(modelName + " (" + format + ") worst max abs error: " + worst);
    }

    private static void record(Map<String, Double> worst, String kind, NumericAssert.Comparison c) {
        worst.merge(kind, c.maxAbs(), Math::max);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tinyOnly")
    void contactsWithoutRegressionWeightsAreRefused(String modelName) {
        Esm2Weights full = CheckpointLoader.load(Fixtures.huggingFaceFolder(modelName)).weights();
        Map<String, org.esm2j.tensor.Tensor> tensors = new LinkedHashMap<>(full.tensors());
        tensors.remove(Esm2Weights.CONTACT_WEIGHT);
        tensors.remove(Esm2Weights.CONTACT_BIAS);
        Esm2Weights noHead = new Esm2Weights(full.config(), tensors);
        ForwardRequest contacts = new ForwardRequest(new TreeSet<>(), false, false, true);
        try (Esm2Model model = Esm2Model.load(noHead, new CpuBackend())) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> model.forward(List.of(Golden.of(modelName).tokens(1)), contacts));
            System.out.println("refused as expected: " + e.getMessage());
        }
    }

    static Stream<String> tinyOnly() {
        return Stream.of(Fixtures.TINY);
    }
}
