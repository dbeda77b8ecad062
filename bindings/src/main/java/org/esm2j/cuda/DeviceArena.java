package org.esm2j.cuda;

import org.esm2j.tensor.DType;

/**
 * One block of device memory that a forward pass carves its buffers from (see {@link ActivationLayout}). It grows to
 * the bucket of the largest batch seen and is then reused as is, so repeated batches of similar shape allocate
 * nothing; buckets are at most 25% larger than what was asked, which keeps the high-water mark close to the need.
 * The block is a byte {@link DeviceBuffer}: views carved from it die with it, so a pass that kept one across a
 * release fails loudly instead of writing into freed memory.
 */
final class DeviceArena implements AutoCloseable {
    static final long MIN_BUCKET_BYTES = 1L << 20;

    private DeviceBuffer block; // null when none
    private long peakCapacity;

    /**
     * The capacity allocated for a request of {@code required} bytes: at least 1 MiB, otherwise rounded up to a
     * multiple of a quarter of its highest power of two.
     */
    static long bucketBytes(long required) {
        if (required <= MIN_BUCKET_BYTES) {
            return MIN_BUCKET_BYTES;
        }
        long granule = Long.highestOneBit(required) / 4;
        return Math.addExact(required, granule - 1) / granule * granule;
    }

    /**
     * Makes the block hold at least {@code required} bytes, replacing it by a larger bucket when needed, and returns
     * it. The old block is freed before the new one is allocated so that peaks do not add up.
     */
    DeviceBuffer ensure(long required) {
        if (block != null && block.bytes() >= required) {
            return block;
        }
        release();
        long bytes = bucketBytes(required);
        block = DeviceBuffer.allocate(DType.U8, bytes, "the activation arena");
        peakCapacity = Math.max(peakCapacity, bytes);
        return block;
    }

    /** Frees the block (after a failure or to give memory back); the next {@link #ensure} allocates again. */
    void release() {
        if (block != null) {
            DeviceBuffer freed = block;
            block = null;
            freed.close();
        }
    }

    /** The largest capacity this arena ever held: its contribution to the device high-water mark. */
    long peakCapacityBytes() {
        return peakCapacity;
    }

    @Override
    public void close() {
        release();
    }
}
