package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Optional;
import org.esm2j.Esm2jException;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Backends;
import org.esm2j.cpu.CpuBackend;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.Test;

/** Backend registration and selection, and the parts of the runtime's error handling that need no device. */
class CudaBackendHostTest {

    @Test
    void registeredThroughServiceLoaderAheadOfTheCpu() {
        List<Backend> all = Backends.all();
        assertEquals(CudaBackend.NAME, all.get(0).name(), "highest priority first");
        assertTrue(all.stream().anyMatch(b -> b.name().equals(CpuBackend.NAME)));
    }

    @Test
    void withoutADeviceItSaysWhyAndAutoFallsBackToTheCpu() {
        Optional<String> reason = new CudaBackend().unavailableReason();
        assumeTrue(reason.isPresent(), "a CUDA device is visible here");
        assertFalse(reason.get().isBlank());
        System.out.println("cuda unavailable: " + reason.get());
        assertEquals(CpuBackend.NAME, Backends.select("auto").name());
        Esm2jException e = assertThrows(Esm2jException.class, () -> Backends.select("cuda"));
        // The reason is worked out again on each call (a second class-initialisation failure words it differently).
        assertTrue(e.getMessage().contains("backend 'cuda' is not usable here: "), e.getMessage());
    }

    @Test
    void activationDtypeIsBf16OrFp16() {
        assertEquals(DType.BF16, CudaBackend.activationDtype("bf16"));
        assertEquals(DType.F16, CudaBackend.activationDtype(" FP16 "));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> CudaBackend.activationDtype("fp8"));
        assertTrue(e.getMessage().contains(CudaBackend.DTYPE_PROPERTY) && e.getMessage().contains("fp8"));
    }

    @Test
    void outOfMemoryMessageSuggestsASmallerTokenBudget() {
        String m = CudaRuntime.outOfMemoryMessage(65536, 64, 3L << 30, 1L << 30, "cudaMalloc failed: out of memory");
        assertTrue(m.contains("--toks-per-batch"), m);
        assertTrue(m.contains("65536 tokens in 64 sequences"), m);
        assertTrue(m.contains("3072.0 MiB of activations"), m);
        assertTrue(m.contains("cudaMalloc failed"), m);
    }
}
