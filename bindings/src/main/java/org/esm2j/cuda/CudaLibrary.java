package org.esm2j.cuda;

import java.util.Optional;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;

/**
 * Loads libesm2j_cuda and its JNI glue once and says whether kernels can run here. Loading succeeds on any machine
 * with the CUDA runtime library; running kernels also needs a driver and a device.
 */
public final class CudaLibrary {
    private static final Optional<String> LOAD_FAILURE = load();
    /** Probed once: a failed probe leaves the presets' class unusable, so a second probe would hide the first reason. */
    private static final Optional<String> DEVICE_UNAVAILABLE = probeDevice();

    private CudaLibrary() {}

    /** Empty when the native libraries loaded and match these bindings; otherwise why not. */
    public static Optional<String> loadFailure() {
        return LOAD_FAILURE;
    }

    /** Empty when kernels can be launched: libraries loaded and at least one CUDA device visible. */
    public static Optional<String> deviceUnavailableReason() {
        return DEVICE_UNAVAILABLE;
    }

    private static Optional<String> probeDevice() {
        if (LOAD_FAILURE.isPresent()) {
            return LOAD_FAILURE;
        }
        int[] count = {0};
        int error;
        try {
            // Through the CUDA presets, whose JNI library needs the driver (libcuda): absent on machines without a GPU.
            error = cudart.cudaGetDeviceCount(count);
        } catch (LinkageError e) {
            return Optional.of("CUDA driver not loadable (" + e.getMessage() + ")");
        }
        if (error != cudart.cudaSuccess) {
            return Optional.of("no usable CUDA device: " + cudart.cudaGetErrorString(error).getString());
        }
        return count[0] > 0 ? Optional.empty() : Optional.of("no CUDA device visible");
    }

    private static Optional<String> load() {
        try {
            Loader.load(Esm2jCuda.class);
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("libesm2j_cuda could not be loaded (" + e.getMessage()
                    + "); it needs the linux-x86_64 jar of esm2j-bindings and the CUDA 13 runtime");
        }
        int library = Esm2jCuda.esm2j_abi_version();
        int header = Esm2jCuda.ESM2J_CUDA_ABI_VERSION();
        if (library != header) {
            return Optional.of("libesm2j_cuda ABI version " + library + " does not match the bindings' " + header);
        }
        return Optional.empty();
    }
}
