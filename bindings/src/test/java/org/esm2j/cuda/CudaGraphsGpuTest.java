package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.TreeSet;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.tensor.DType;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CUDA graphs in the forward pass: a launch shape runs eagerly on first sight, is captured on the second and replayed
 * after. Replays must give bit-identical results to the eager pass over the same tokens (the same kernels run in the
 * same order), and must pick up new token ids of the same shape (they live in device memory, not in the graph).
 * Requests that copy intermediate results to the host never use a graph.
 */
@Tag("gpu")
class CudaGraphsGpuTest {

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
        assumeTrue(LaunchGraphs.ENABLED, "CUDA graphs are disabled by -Desm2j.cudaGraphs=false");
    }

    /** cls, residues, eos; two batches of identical shape and different residues. */
    private static List<int[]> batch(int seed) {
        return GpuTestInputs.randomSequences(new int[] {5, 40, 97}, seed);
    }

    @Test
    void replaysEqualTheEagerPassAndFollowNewTokens() {
        Esm2Weights weights = GpuTestInputs.fixtureWeights(Fixtures.TINY);
        int numLayers = weights.config().numLayers();
        ForwardRequest request = new ForwardRequest(new TreeSet<>(List.of(numLayers)), true, false, true, true);
        List<int[]> first = batch(1);
        List<int[]> second = batch(2);
        double logitAllowance = new GpuWorkload(Fixtures.TINY, weights, second).bf16LogitsAllowance();
        try (CudaRuntime gpu = new CudaRuntime(weights, DType.BF16);
                Esm2Runtime cpu = new CpuBackend().load(weights)) {
            ForwardResult eager = gpu.forward(first, request);
            assertEquals(0, gpu.cachedGraphs(), "first sight runs eagerly");
            ForwardResult captured = gpu.forward(second, request);
            assertEquals(1, gpu.cachedGraphs(), "second sight is captured");
            ForwardResult replayFirst = gpu.forward(first, request);
            ForwardResult replaySecond = gpu.forward(second, request);
            assertEquals(1, gpu.cachedGraphs(), "replays reuse the graph");
            ForwardResult cpuSecond = cpu.forward(second, request);
            for (int b = 0; b < first.size(); b++) {
                assertArrayEquals(eager.logits(b), replayFirst.logits(b), "logits of sequence " + b);
                assertArrayEquals(eager.logProbabilities(b), replayFirst.logProbabilities(b), "log-probs " + b);
                assertArrayEquals(eager.representation(numLayers, b), replayFirst.representation(numLayers, b));
                assertArrayEquals(eager.contacts(b), replayFirst.contacts(b), "contacts of sequence " + b);
                assertArrayEquals(captured.logits(b), replaySecond.logits(b), "logits of sequence " + b);
                NumericAssert.assertClose("captured pass vs CPU, logits of sequence " + b, captured.logits(b),
                        cpuSecond.logits(b), logitAllowance, 0);
            }
        }
    }

    /**
     * Batches with equal token and sequence counts and longest sequence but other lengths have their attention maps
     * and contacts elsewhere in the arena, so they must not share a graph: B seen first (eager), then A captured and
     * replayed, then B again must give B's eager results, not a replay of A's buffers.
     */
    @Test
    void batchesOfOtherLengthsDoNotReplayEachOthersGraph() {
        Esm2Weights weights = GpuTestInputs.fixtureWeights(Fixtures.TINY);
        ForwardRequest request = new ForwardRequest(new TreeSet<>(), true, false, true);
        List<int[]> a = GpuTestInputs.randomSequences(new int[] {10, 50, 97}, 1);
        List<int[]> b = GpuTestInputs.randomSequences(new int[] {30, 30, 97}, 2);
        try (CudaRuntime gpu = new CudaRuntime(weights, DType.BF16)) {
            ForwardResult eagerB = gpu.forward(b, request);
            gpu.forward(a, request);
            gpu.forward(a, request);
            assertEquals(1, gpu.cachedGraphs(), "A is captured on its second sight");
            ForwardResult againB = gpu.forward(b, request);
            assertEquals(2, gpu.cachedGraphs(), "B's second sight captures its own graph");
            for (int s = 0; s < b.size(); s++) {
                assertArrayEquals(eagerB.contacts(s), againB.contacts(s), "contacts of sequence " + s);
                assertArrayEquals(eagerB.logits(s), againB.logits(s), "logits of sequence " + s);
            }
        }
    }

    @Test
    void intermediateCopiesRunWithoutGraphs() {
        Esm2Weights weights = GpuTestInputs.fixtureWeights(Fixtures.TINY);
        ForwardRequest request = new ForwardRequest(new TreeSet<>(List.of(0, 1)), true, true, false);
        try (CudaRuntime gpu = new CudaRuntime(weights, DType.BF16)) {
            ForwardResult a = gpu.forward(batch(1), request);
            ForwardResult b = gpu.forward(batch(1), request);
            ForwardResult c = gpu.forward(batch(1), request);
            assertEquals(0, gpu.cachedGraphs());
            assertArrayEquals(a.attentions(2), c.attentions(2));
            assertArrayEquals(b.representation(1, 1), c.representation(1, 1));
        }
    }
}
