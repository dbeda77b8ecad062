package org.esm2j.cuda;

import java.util.Locale;
import java.util.Optional;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.model.Esm2Weights;
import org.esm2j.tensor.DType;

/**
 * The CUDA backend: preferred over the CPU under {@code auto} wherever libesm2j_cuda loads and a device is visible.
 * Weights go to the device in bf16, or fp16 with {@code -Desm2j.cuda.dtype=fp16}.
 */
public final class CudaBackend implements Backend {
    public static final String NAME = "cuda";
    public static final String DTYPE_PROPERTY = "esm2j.cuda.dtype";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (CudaLibrary.emulated()) {
            return Optional.of("this process runs the CPU-emulated device (-Desm2j.backend="
                    + CudaLibrary.EMULATED_BACKEND + ")");
        }
        return CudaLibrary.deviceUnavailableReason();
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Esm2Runtime load(Esm2Weights weights) {
        return new CudaRuntime(weights, activationDtype(System.getProperty(DTYPE_PROPERTY, "bf16")));
    }

    /** "bf16" or "fp16" (case-insensitive): the dtype of weights and GEMM operands on the device. */
    static DType activationDtype(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "fp16", "f16", "float16" -> DType.F16;
            default -> throw new InvalidInputException("-D" + DTYPE_PROPERTY + " must be bf16 or fp16, got '" + name
                    + "'");
        };
    }
}
