package org.esm2j.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * One page-locked host buffer through which a runtime's copies between Java arrays and the device pass. Copies from
 * pageable memory go through the driver's own small staging buffers at a fraction of the bus speed; for the small
 * models the logits' copy to the host would otherwise cost about as much as the forward pass. Like the
 * {@link DeviceArena}, it grows to the bucket of the largest request and is then reused. Not thread-safe.
 */
final class PinnedStaging implements AutoCloseable {
    private Pointer block;
    private long capacity;

    /** A pinned buffer of at least {@code bytes}; its contents are undefined. Valid until the next call. */
    Pointer ensure(long bytes) {
        if (block != null && capacity >= bytes) {
            return block;
        }
        release();
        long size = DeviceArena.bucketBytes(bytes);
        block = CudaDevice.pointer(CudaDevice.allocateHost(size, "the staging buffer"));
        capacity = size;
        return block;
    }

    /** Gives the buffer back; the next {@link #ensure} allocates again. */
    void release() {
        if (block != null) {
            Pointer p = block;
            block = null;
            capacity = 0;
            CudaDevice.freeHost(p.address());
        }
    }

    @Override
    public void close() {
        release();
    }
}
