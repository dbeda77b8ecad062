package org.esm2j.cuda.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * What JavaCPP's parser needs to generate {@code org.esm2j.cuda.Esm2jCuda}, the binding of
 * {@code native/include/esm2j_cuda.h}, as the JavaCPP presets generate theirs: the bindings module compiles this class
 * first, runs the parser on the header (javacpp:parse, into {@code target/generated-sources/javacpp}) and then
 * compiles the rest against the generated class. The header is therefore the only place the ABI is written down: one
 * Java method or nested class per C declaration, C names kept, the header's comments carried over; enum values and
 * {@code ESM2J_CUDA_ABI_VERSION} become int constants (checked against the loaded library by
 * {@code CudaLibrary}).
 *
 * <p>Our library is preloaded from the jar's {@code linux-x86_64} resources and links libcudart itself; the
 * CPU-emulator build of the same library (same header, same glue) is loaded instead under
 * {@code -Desm2j.backend=cuda-emulated}. Device pointers, streams and events are plain {@code Pointer}s holding the
 * address or handle: every CUDA runtime operation goes through this library, never through the CUDA presets' cudart,
 * whose JNI library links the driver (libcuda), so it cannot load on machines without a GPU, and which the emulator
 * could not serve. Callers use {@code CudaKernels}, {@code CudaDevice} and friends, which validate arguments first.
 */
@Properties(target = "org.esm2j.cuda.Esm2jCuda",
        value = @Platform(include = "esm2j_cuda.h", link = "esm2j_cuda", preload = "esm2j_cuda"))
public class Esm2jCudaConfig implements InfoMapper {
    @Override
    public void map(InfoMap infoMap) {
        // The export macro expands to a visibility attribute: nothing for Java.
        infoMap.put(new Info("ESM2J_API").cppTypes().annotations())
                // CUDA's opaque handle types (from cuda_runtime_api.h, which the parser does not read).
                .put(new Info("cudaStream_t", "cudaEvent_t").valueTypes("Pointer").pointerTypes("PointerPointer")
                        .cast());
    }
}
