package org.esm2j.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.esm2j.cuda.Esm2jCuda.esm2j_graph;

/**
 * The CUDA runtime operations of the backend (memory, copies, streams, events, graphs), all through libesm2j_cuda's
 * runtime entry points, so that the CPU-emulator build of the library serves them as well as a device does. Device
 * memory is reached through {@link DeviceBuffer}s (copies check that they fit), host memory by address; a failed
 * call throws a {@link CudaException} naming the call, with the library's message, and a failed allocation a
 * {@link DeviceOutOfMemoryException} (the library has already cleared that error).
 */
final class CudaDevice {
    private CudaDevice() {}

    /** Direction of a copy, with the header's values. */
    private enum Copy {
        HOST_TO_DEVICE, DEVICE_TO_HOST, DEVICE_TO_DEVICE;

        int kind() {
            return switch (this) {
                case HOST_TO_DEVICE -> Esm2jCuda.ESM2J_COPY_HOST_TO_DEVICE;
                case DEVICE_TO_HOST -> Esm2jCuda.ESM2J_COPY_DEVICE_TO_HOST;
                case DEVICE_TO_DEVICE -> Esm2jCuda.ESM2J_COPY_DEVICE_TO_DEVICE;
            };
        }
    }

    /** Throws for any status but ESM2J_OK; {@code call} names what failed. */
    static void check(int status, String call) {
        if (status == Esm2jCuda.ESM2J_OK) {
            return;
        }
        String message = call + " failed: " + Esm2jCuda.esm2j_last_error().getString();
        if (status == Esm2jCuda.ESM2J_ERROR_OUT_OF_MEMORY) {
            throw new DeviceOutOfMemoryException(message);
        }
        throw new CudaException(status, message);
    }

    /** Whether the library is the CPU-emulator build. */
    static boolean emulated() {
        return Esm2jCuda.esm2j_emulated() != 0;
    }

    /** Raw device memory: {@link DeviceBuffer#allocate} is the typed way in. */
    static long allocate(long bytes, String what) {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            check(Esm2jCuda.esm2j_device_alloc(out, bytes), "device allocation of " + bytes + " bytes for " + what);
            return out.get(0).address();
        }
    }

    /** Frees device memory from {@link #allocate} ({@link DeviceBuffer#close}); 0 is a no-op. */
    static void free(long address) {
        check(Esm2jCuda.esm2j_device_free(pointer(address)), "device free");
    }

    /** Page-locked host memory. */
    static long allocateHost(long bytes, String what) {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            check(Esm2jCuda.esm2j_host_alloc(out, bytes), "pinned allocation of " + bytes + " bytes for " + what);
            return out.get(0).address();
        }
    }

    static void freeHost(long address) {
        check(Esm2jCuda.esm2j_host_free(pointer(address)), "pinned free");
    }

    /** A synchronous copy of {@code bytes} from host memory into the start of {@code dst}. */
    static void upload(DeviceBuffer dst, long hostSource, long bytes, String what) {
        check(Esm2jCuda.esm2j_memcpy(pointer(start(dst, bytes, what)), pointer(hostSource), bytes,
                Copy.HOST_TO_DEVICE.kind()), "copy of " + what);
    }

    /** A synchronous copy of the first {@code bytes} of {@code src} into host memory. */
    static void download(long hostTarget, DeviceBuffer src, long bytes, String what) {
        check(Esm2jCuda.esm2j_memcpy(pointer(hostTarget), pointer(start(src, bytes, what)), bytes,
                Copy.DEVICE_TO_HOST.kind()), "copy of " + what);
    }

    /** {@link #upload} ordered on {@code stream}; the host memory should be page-locked. */
    static void uploadAsync(DeviceBuffer dst, long hostSource, long bytes, Pointer stream, String what) {
        copyAsync(start(dst, bytes, what), hostSource, bytes, Copy.HOST_TO_DEVICE, stream, what);
    }

    /** {@link #download} ordered on {@code stream}; the host memory should be page-locked. */
    static void downloadAsync(long hostTarget, DeviceBuffer src, long bytes, Pointer stream, String what) {
        copyAsync(hostTarget, start(src, bytes, what), bytes, Copy.DEVICE_TO_HOST, stream, what);
    }

    private static void copyAsync(long dst, long src, long bytes, Copy direction, Pointer stream, String what) {
        check(Esm2jCuda.esm2j_memcpy_async(pointer(dst), pointer(src), bytes, direction.kind(), stream),
                "copy of " + what);
    }

    /** Sets every byte of {@code dst} to {@code value}, ordered on {@code stream}. */
    static void fillBytesAsync(DeviceBuffer dst, int value, Pointer stream, String what) {
        check(Esm2jCuda.esm2j_memset_async(dst.pointer(), value, dst.bytes(), stream), "memset of " + what);
    }

    /** The address of {@code buffer} once {@code bytes} are known to fit in it. */
    private static long start(DeviceBuffer buffer, long bytes, String what) {
        if (bytes < 0 || bytes > buffer.bytes()) {
            throw new IndexOutOfBoundsException("copy of " + what + ": " + bytes + " bytes do not fit in " + buffer
                    + " (" + buffer.bytes() + " bytes)");
        }
        return buffer.address();
    }

    static Pointer createStream() {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            check(Esm2jCuda.esm2j_stream_create(out), "stream creation");
            return pointer(out.get(0).address());
        }
    }

    static void destroyStream(Pointer stream) {
        check(Esm2jCuda.esm2j_stream_destroy(stream), "stream destruction");
    }

    static void synchronize(Pointer stream, String after) {
        check(Esm2jCuda.esm2j_stream_synchronize(stream), "stream synchronization after " + after);
    }

    static boolean capturing(Pointer stream) {
        try (IntPointer capturing = new IntPointer(1)) {
            check(Esm2jCuda.esm2j_stream_is_capturing(stream, capturing), "stream capture query");
            return capturing.get() != 0;
        }
    }

    /** Clears a pending CUDA error, as after a failure that left the stream in an unknown state. */
    static void clearError() {
        Esm2jCuda.esm2j_clear_error();
    }

    static Pointer createEvent() {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            check(Esm2jCuda.esm2j_event_create(out), "event creation");
            return pointer(out.get(0).address());
        }
    }

    static void record(Pointer event, Pointer stream) {
        check(Esm2jCuda.esm2j_event_record(event, stream), "event record");
    }

    /** Milliseconds between two recorded events, after waiting for {@code stop}. */
    static float elapsedMs(Pointer start, Pointer stop) {
        check(Esm2jCuda.esm2j_event_synchronize(stop), "event synchronization");
        try (FloatPointer ms = new FloatPointer(1)) {
            check(Esm2jCuda.esm2j_event_elapsed_ms(ms, start, stop), "event elapsed time");
            return ms.get();
        }
    }

    static void destroyEvent(Pointer event) {
        check(Esm2jCuda.esm2j_event_destroy(event), "event destruction");
    }

    static void beginCapture(Pointer stream) {
        check(Esm2jCuda.esm2j_graph_begin_capture(stream), "graph capture begin");
    }

    /** Ends the capture and instantiates it; on failure nothing is left to free. */
    static esm2j_graph endCapture(Pointer stream) {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            check(Esm2jCuda.esm2j_graph_end_capture(stream, out), "graph capture end");
            return new esm2j_graph(out.get(0));
        }
    }

    static void launch(esm2j_graph graph, Pointer stream) {
        check(Esm2jCuda.esm2j_graph_launch(graph, stream), "graph launch");
    }

    static void destroyGraph(esm2j_graph graph) {
        check(Esm2jCuda.esm2j_graph_destroy(graph), "graph destruction");
    }

    /** {free, total} device bytes. */
    static long[] memoryInfo() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            check(Esm2jCuda.esm2j_mem_get_info(free, total), "device memory query");
            return new long[] {free.get(), total.get()};
        }
    }

    /** The emulated device's memory size (tests of the out-of-memory path); refused by the CUDA build. */
    static void setEmulatedMemory(long totalBytes) {
        check(Esm2jCuda.esm2j_set_emulated_memory(totalBytes), "setting the emulated memory size");
    }

    /** A {@link Pointer} holding a raw address, for {@code void*} parameters (no position or capacity applied). */
    static Pointer pointer(long rawAddress) {
        return new Pointer() {
            {
                address = rawAddress; // Pointer's protected field (a parameter named "address" would be shadowed)
            }
        };
    }
}
