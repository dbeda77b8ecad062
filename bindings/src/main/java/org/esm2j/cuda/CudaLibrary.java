package org.esm2j.cuda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.backend.Backends;

/**
 * Loads libesm2j_cuda and its JNI glue once and says whether kernels can run here. Loading succeeds on any machine
 * with the CUDA runtime library; running kernels also needs a driver and a device.
 *
 * <p>With {@code -Desm2j.backend=cuda-emulated} the CPU-emulator build of the same library is loaded instead (built by
 * this module into {@code target/cuda-emulated}, or the folder named by {@code -Desm2j.cuda.emulator.dir}): every
 * kernel and runtime call then runs on the host (see cuda-kernels/emu), slowly, for tests without a GPU. It is never
 * chosen otherwise, and a process holds one build or the other.
 */
public final class CudaLibrary {
    /** The {@code esm2j.backend} value that selects the emulated device. */
    public static final String EMULATED_BACKEND = "cuda-emulated";
    public static final String EMULATOR_DIR_PROPERTY = "esm2j.cuda.emulator.dir";
    /** The emulated device's memory in bytes (default 80 GiB, an H100's), e.g. small to test the out-of-memory path. */
    public static final String EMULATOR_MEMORY_PROPERTY = "esm2j.cuda.emulator.memory";

    private static final boolean EMULATION_REQUESTED =
            EMULATED_BACKEND.equals(System.getProperty(Backends.PROPERTY, "").trim());
    private static final Optional<String> LOAD_FAILURE = load();
    /** Probed once, so that every caller sees the same reason. */
    private static final Optional<String> DEVICE_UNAVAILABLE = probeDevice();

    private CudaLibrary() {}

    /** Empty when the native libraries loaded and match these bindings; otherwise why not. */
    public static Optional<String> loadFailure() {
        return LOAD_FAILURE;
    }

    /** Empty when kernels can be launched: libraries loaded and a CUDA device (or the emulated one) visible. */
    public static Optional<String> deviceUnavailableReason() {
        return DEVICE_UNAVAILABLE;
    }

    /** Whether this process runs on the CPU-emulated device ({@code -Desm2j.backend=cuda-emulated}). */
    public static boolean emulated() {
        return EMULATION_REQUESTED;
    }

    private static Optional<String> probeDevice() {
        if (LOAD_FAILURE.isPresent()) {
            return LOAD_FAILURE;
        }
        try (IntPointer count = new IntPointer(1)) {
            int status = Esm2jCuda.esm2j_device_count(count);
            if (status != Esm2jCuda.ESM2J_OK) {
                return Optional.of("no usable CUDA device: " + Esm2jCuda.esm2j_last_error().getString());
            }
            return count.get() > 0 ? Optional.empty() : Optional.of("no CUDA device visible");
        }
    }

    private static Optional<String> load() {
        try {
            if (EMULATION_REQUESTED) {
                loadEmulated();
            } else {
                Loader.load(Esm2jCuda.class);
            }
        } catch (LinkageError | RuntimeException | ClassNotFoundException e) {
            return Optional.of("libesm2j_cuda could not be loaded (" + e.getMessage() + "); it needs the linux-x86_64 "
                    + "jar of esm2j-bindings and the CUDA 13 runtime");
        }
        int library = Esm2jCuda.esm2j_abi_version();
        int header = Esm2jCuda.ESM2J_CUDA_ABI_VERSION;
        if (library != header) {
            return Optional.of("libesm2j_cuda ABI version " + library + " does not match the bindings' " + header);
        }
        if (EMULATION_REQUESTED != (Esm2jCuda.esm2j_emulated() != 0)) {
            return Optional.of("the loaded libesm2j_cuda is " + (EMULATION_REQUESTED ? "not " : "")
                    + "the CPU-emulator build");
        }
        String memory = System.getProperty(EMULATOR_MEMORY_PROPERTY);
        if (EMULATION_REQUESTED && memory != null) {
            CudaDevice.setEmulatedMemory(Long.parseLong(memory.trim()));
        }
        return Optional.empty();
    }

    /**
     * Loads the emulator build and its glue from their folder, then initialises the binding classes with JavaCPP's
     * own library loading switched off, so that they bind to these libraries rather than to the device build that
     * the jar's resources hold. JavaCPP's core library is loaded first, normally.
     */
    private static void loadEmulated() throws ClassNotFoundException {
        Path dir = Path.of(System.getProperty(EMULATOR_DIR_PROPERTY, "target/cuda-emulated")).toAbsolutePath();
        Path library = dir.resolve(System.mapLibraryName("esm2j_cuda"));
        Path glue = dir.resolve(System.mapLibraryName("jniEsm2jCuda"));
        if (!Files.isRegularFile(library) || !Files.isRegularFile(glue)) {
            throw new IllegalStateException("the CPU-emulator build of libesm2j_cuda is not in " + dir + " (build "
                    + "the bindings module, or point -D" + EMULATOR_DIR_PROPERTY + " at the folder holding "
                    + library.getFileName() + " and " + glue.getFileName() + ")");
        }
        Loader.load(Pointer.class);
        System.load(library.toString());
        System.load(glue.toString());
        String switchName = "org.bytedeco.javacpp.loadLibraries";
        String before = System.getProperty(switchName);
        System.setProperty(switchName, "false");
        try {
            ClassLoader loader = Esm2jCuda.class.getClassLoader();
            Class.forName(Esm2jCuda.class.getName(), true, loader);
            for (Class<?> nested : Esm2jCuda.class.getDeclaredClasses()) {
                Class.forName(nested.getName(), true, loader);
            }
        } finally {
            if (before == null) {
                System.clearProperty(switchName);
            } else {
                System.setProperty(switchName, before);
            }
        }
    }
}
