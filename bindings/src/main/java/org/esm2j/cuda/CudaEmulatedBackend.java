package org.esm2j.cuda;

import java.util.Optional;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.model.Esm2Weights;

/**
 * The CUDA backend on the CPU emulator ({@code -Desm2j.backend=cuda-emulated}): the same runtime, kernels and native
 * API as {@link CudaBackend}, served on the host by the emulator build of libesm2j_cuda, with the hand-written matmul
 * in place of cuBLASLt. For tests without a GPU; slow; never chosen by {@code auto}.
 */
public final class CudaEmulatedBackend implements Backend {
    @Override
    public String name() {
        return CudaLibrary.EMULATED_BACKEND;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!CudaLibrary.emulated()) {
            return Optional.of("only selected explicitly, with -Desm2j.backend=" + CudaLibrary.EMULATED_BACKEND);
        }
        return CudaLibrary.deviceUnavailableReason();
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public Esm2Runtime load(Esm2Weights weights) {
        return new CudaBackend().load(weights);
    }
}
