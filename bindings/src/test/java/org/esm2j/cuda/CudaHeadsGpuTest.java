package org.esm2j.cuda;

import org.esm2j.data.Alphabet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.cpu.ContactPrediction;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.cpu.LogSoftmax;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.tensor.DType;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The heads computed on the device against the CPU, on every golden fixture's five sequences of different lengths in
 * one packed batch. Two tolerances each: the kernels alone (device contacts vs the CPU contact head applied to the
 * device's own attention maps; device log-probabilities vs the CPU log-softmax of the device's own logits) are fp32
 * against double, 1e-5; the whole runtime against the fp32 CPU runtime carries the bf16 GEMM operands' error, as in
 * {@link CudaForwardGpuTest}. Runs only where a CUDA device is visible (tag "gpu").
 */
@Tag("gpu")
class CudaHeadsGpuTest {
    /** fp32 accumulation over L*H channels against the CPU's double arithmetic on the same maps. */
    private static final double CONTACT_KERNEL_TOL = 1e-5;
    /** bf16 GEMM operands change the attention maps and so the contacts (as in CudaForwardGpuTest). */
    private static final double CONTACT_RUNTIME_TOL = 2e-2;
    /** fp32 log-softmax of 33 values against double: a few ulp of values up to ~30. */
    private static final double LOG_PROB_KERNEL_TOL = 1e-5;
    private static final double LOG_PROB_KERNEL_REL = 1e-6;

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
    }

    static List<String> models() {
        return Fixtures.MODELS;
    }

    @ParameterizedTest
    @MethodSource("models")
    void contactsMatchTheCpuHeadOnTheSameMapsAndTheCpuRuntime(String model) {
        Esm2Weights w = GpuTestInputs.fixtureWeights(model);
        List<int[]> tokens = GpuTestInputs.goldenTokens(model);
        ForwardResult cpuResult;
        try (Esm2Runtime cpu = new CpuBackend().load(w)) {
            cpuResult = cpu.forward(tokens, new ForwardRequest(new TreeSet<>(), false, false, true));
        }
        ContactPrediction cpuHead = ContactPrediction.of(w);
        try (CudaRuntime gpu = new CudaRuntime(w, DType.BF16)) {
            ForwardResult withMaps = gpu.forward(tokens, new ForwardRequest(new TreeSet<>(), false, true, true));
            ForwardResult contactsOnly = gpu.forward(tokens, new ForwardRequest(new TreeSet<>(), false, false, true));
            for (int b = 0; b < tokens.size(); b++) {
                String what = model + " seq " + b + " (T=" + tokens.get(b).length + ") contacts";
                float[] onDevice = withMaps.contacts(b);
                NumericAssert.assertClose(what + " vs CPU head on the device's maps", onDevice,
                        cpuHead.predict(withMaps.attentions(b), tokens.get(b)), CONTACT_KERNEL_TOL, 0);
                NumericAssert.assertClose(what + " vs CPU runtime", onDevice, cpuResult.contacts(b),
                        CONTACT_RUNTIME_TOL, 0);
                // Without attention maps requested, the device path is the same and deterministic.
                NumericAssert.assertClose(what + " without maps requested", contactsOnly.contacts(b), onDevice, 0, 0);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void eosInsideASequenceAndSequencesWithoutResiduesFollowTheCpuHead(String model) {
        Esm2Weights w = GpuTestInputs.fixtureWeights(model);
        List<int[]> golden = GpuTestInputs.goldenTokens(model);
        int[] withEos = golden.get(0).clone();
        withEos[withEos.length / 2] = Alphabet.EOS; // fair-esm zeroes that residue's row and column
        List<int[]> tokens = List.of(new int[] {0, 2}, withEos, new int[] {0, 5, 2}, golden.get(1));
        ContactPrediction cpuHead = ContactPrediction.of(w);
        try (CudaRuntime gpu = new CudaRuntime(w, DType.BF16)) {
            ForwardResult result = gpu.forward(tokens, new ForwardRequest(new TreeSet<>(), false, true, true));
            assertEquals(0, result.contacts(0).length, "<cls><eos> has no residue pairs");
            for (int b = 1; b < tokens.size(); b++) {
                NumericAssert.assertClose(model + " eos batch seq " + b + " contacts", result.contacts(b),
                        cpuHead.predict(result.attentions(b), tokens.get(b)), CONTACT_KERNEL_TOL, 0);
            }
            ForwardResult onlyEmpty = gpu.forward(List.of(new int[] {0, 2}, new int[] {0, 2}),
                    new ForwardRequest(new TreeSet<>(), false, false, true));
            assertEquals(0, onlyEmpty.contacts(1).length);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void logProbabilitiesMatchTheCpuLogSoftmax(String model) {
        Esm2Weights w = GpuTestInputs.fixtureWeights(model);
        int vocab = w.config().vocabSize();
        List<int[]> tokens = GpuTestInputs.goldenTokens(model);
        ForwardResult cpuResult;
        try (Esm2Runtime cpu = new CpuBackend().load(w)) {
            cpuResult = cpu.forward(tokens, ForwardRequest.logProbabilitiesOnly());
        }
        // The logits' bf16 allowance carries over (log-softmax subtracts a shift, at most doubling the error).
        double logProbAllowance = 2 * GpuWorkload.fixture(model).bf16LogitsAllowance();
        try (CudaRuntime gpu = new CudaRuntime(w, DType.BF16)) {
            ForwardResult both = gpu.forward(tokens, new ForwardRequest(new TreeSet<>(), true, false, false, true));
            ForwardResult only = gpu.forward(tokens, ForwardRequest.logProbabilitiesOnly());
            for (int b = 0; b < tokens.size(); b++) {
                String what = model + " seq " + b + " log-probabilities";
                float[] expected = LogSoftmax.rows(both.logits(b), vocab);
                NumericAssert.assertClose(what + " vs CPU log-softmax of the device's logits",
                        both.logProbabilities(b), expected, LOG_PROB_KERNEL_TOL, LOG_PROB_KERNEL_REL);
                // In place of the logits (none requested) instead of after their copy: the same values.
                NumericAssert.assertClose(what + " alone", only.logProbabilities(b), expected, LOG_PROB_KERNEL_TOL,
                        LOG_PROB_KERNEL_REL);
                NumericAssert.assertClose(what + " vs CPU runtime", only.logProbabilities(b),
                        cpuResult.logProbabilities(b), logProbAllowance, 0);
                assertEquals(tokens.get(b).length * vocab, only.logProbabilities(b).length);
                // Rows are distributions: exp sums to 1.
                float[] row = Arrays.copyOfRange(only.logProbabilities(b), 0, vocab);
                double sum = 0;
                for (float v : row) {
                    sum += Math.exp(v);
                }
                assertEquals(1.0, sum, 1e-5, what + " row 0 probabilities sum");
            }
        }
    }
}
