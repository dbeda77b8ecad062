package org.esm2j.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.tensor.DType;

/**
 * A typed range of device memory: {@link #length} elements of {@link #dtype}, inside one device allocation. The
 * buffer returned by {@link #allocate} owns its allocation and frees it on {@link #close}; {@link #slice slices} and
 * {@link #view views} share that allocation's lifetime without owning it. Every way of reaching the address checks
 * that the allocation is still live, so a buffer kept past its allocation's free (a stale view into an arena that
 * moved) fails with an {@link IllegalStateException} naming the allocation instead of handing a dangling address to
 * a kernel. Ranges are checked when a slice or view is made; element types when a caller states what it expects.
 * Not thread-safe, like the runtime that uses it.
 */
final class DeviceBuffer implements AutoCloseable {
    private final Allocation allocation;
    private final String name;
    private final long offsetBytes; // from the allocation's base
    private final DType dtype;
    private final long length;
    private final boolean owner;

    /** One device allocation: what every buffer inside it checks for liveness. */
    private static final class Allocation {
        final String name;
        final long base;
        final long bytes;
        boolean freed;

        Allocation(String name, long base, long bytes) {
            this.name = name;
            this.base = base;
            this.bytes = bytes;
        }
    }

    private DeviceBuffer(Allocation allocation, String name, long offsetBytes, DType dtype, long length,
            boolean owner) {
        this.allocation = allocation;
        this.name = name;
        this.offsetBytes = offsetBytes;
        this.dtype = dtype;
        this.length = length;
        this.owner = owner;
    }

    /**
     * Allocates {@code length} elements of {@code dtype} on the device; {@code name} says what for, in error messages.
     *
     * @throws DeviceOutOfMemoryException when the device has no room
     */
    static DeviceBuffer allocate(DType dtype, long length, String name) {
        long bytes = byteSize(dtype, length, name);
        Allocation allocation = new Allocation(name, CudaDevice.allocate(bytes, name), bytes);
        return new DeviceBuffer(allocation, name, 0, dtype, length, true);
    }

    private static long byteSize(DType dtype, long length, String name) {
        if (length < 0) {
            throw new IllegalArgumentException(name + ": length must not be negative, got " + length);
        }
        try {
            return Math.multiplyExact(length, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + length + " " + dtype + " elements exceed 2^63 bytes", e);
        }
    }

    DType dtype() {
        return dtype;
    }

    /** Elements in this buffer. */
    long length() {
        return length;
    }

    long bytes() {
        return length * dtype.byteSize();
    }

    /** What this buffer holds: the allocation's name, or the view's. */
    String name() {
        return name;
    }

    /** The device address of the first element; throws once the allocation is freed. */
    long address() {
        requireLive();
        return allocation.base + offsetBytes;
    }

    /** The address as a {@code void*} argument for the native API. */
    Pointer pointer() {
        return CudaDevice.pointer(address());
    }

    /** The address as fp32 data; this buffer must hold F32 elements. */
    FloatPointer floats() {
        return new FloatPointer(require(DType.F32).pointer());
    }

    /** The address as int32 data; this buffer must hold I32 elements. */
    IntPointer ints() {
        return new IntPointer(require(DType.I32).pointer());
    }

    /** The address as int64 data; this buffer must hold I64 elements. */
    LongPointer longs() {
        return new LongPointer(require(DType.I64).pointer());
    }

    /** This buffer, after checking that it holds {@code expected} elements. */
    DeviceBuffer require(DType expected) {
        if (dtype != expected) {
            throw new IllegalArgumentException(name + " holds " + dtype + " elements where " + expected
                    + " are expected");
        }
        return this;
    }

    /** This buffer, after checking that it holds {@code expected} elements, at least {@code minLength} of them. */
    DeviceBuffer require(DType expected, long minLength) {
        require(expected);
        if (length < minLength) {
            throw new IllegalArgumentException(name + " holds " + length + " " + dtype
                    + " elements where at least " + minLength + " are needed");
        }
        return this;
    }

    /** Elements {@code [offset, offset + count)} of this buffer, of the same type. */
    DeviceBuffer slice(long offset, long count) {
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IndexOutOfBoundsException(name + ": elements [" + offset + ", " + offset + " + "
                    + count + ") are outside its " + length + " " + dtype + " elements");
        }
        requireLive();
        return new DeviceBuffer(allocation, name, offsetBytes + offset * dtype.byteSize(), dtype, count, false);
    }

    /**
     * {@code count} elements of {@code type} starting {@code byteOffset} bytes into this buffer: how one block (the
     * activation arena) is carved into buffers of other types. The offset must be a multiple of the new type's size;
     * {@code viewName} says what the view holds, in error messages.
     */
    DeviceBuffer view(long byteOffset, DType type, long count, String viewName) {
        long bytes = byteSize(type, count, viewName);
        if (byteOffset < 0 || byteOffset > bytes() - bytes) {
            throw new IndexOutOfBoundsException(viewName + ": bytes [" + byteOffset + ", " + byteOffset + " + "
                    + bytes + ") are outside the " + bytes() + " bytes of " + name);
        }
        if ((offsetBytes + byteOffset) % type.byteSize() != 0) {
            throw new IllegalArgumentException(viewName + ": a view of " + type + " elements cannot start "
                    + byteOffset + " bytes into " + name + " (not a multiple of " + type.byteSize() + ")");
        }
        requireLive();
        return new DeviceBuffer(allocation, viewName, offsetBytes + byteOffset, type, count, false);
    }

    /** The first {@code rows * cols} elements as a contiguous row-major matrix. */
    DeviceMatrix matrix(long rows, long cols) {
        return matrix(rows, cols, cols);
    }

    /** A row-major {@code rows x cols} matrix with rows {@code rowStride} elements apart, inside this buffer. */
    DeviceMatrix matrix(long rows, long cols, long rowStride) {
        if (rows < 0 || cols < 0 || rowStride < cols) {
            throw new IllegalArgumentException(name + ": no " + rows + " x " + cols + " matrix with row "
                    + "stride " + rowStride);
        }
        long needed = rows == 0 ? 0 : Math.addExact(Math.multiplyExact(rows - 1, rowStride), cols);
        if (needed > length) {
            throw new IndexOutOfBoundsException(name + ": a " + rows + " x " + cols + " matrix with row "
                    + "stride " + rowStride + " needs " + needed + " elements, it holds " + length);
        }
        return new DeviceMatrix(pointer(), dtype, rows, cols, rowStride);
    }

    /** Whether this buffer's allocation has not been freed yet. */
    boolean live() {
        return !allocation.freed;
    }

    private void requireLive() {
        if (allocation.freed) {
            String within = name.equals(allocation.name) ? "" : " in '" + allocation.name + "'";
            throw new IllegalStateException("device memory '" + name + "'" + within + " used after it was freed ("
                    + allocation.bytes + " bytes)");
        }
    }

    /**
     * Frees the allocation; every buffer inside it is dead from here. A second close does nothing. Only the buffer
     * {@link #allocate} returned may free it.
     *
     * @throws CudaException when the device reports a failure (the buffers are dead all the same)
     */
    @Override
    public void close() {
        if (markFreed()) {
            CudaDevice.free(allocation.base);
        }
    }

    /** Frees like {@link #close} but ignores the device's status: for clean-up after a device failure. */
    void closeQuietly() {
        if (markFreed()) {
            Esm2jCuda.esm2j_device_free(CudaDevice.pointer(allocation.base));
        }
    }

    private boolean markFreed() {
        if (!owner) {
            throw new IllegalStateException("'" + name + "' is a slice or view of '" + allocation.name
                    + "' and cannot free it; close the buffer that allocated it");
        }
        if (allocation.freed) {
            return false;
        }
        allocation.freed = true;
        return true;
    }

    @Override
    public String toString() {
        return name + "[" + dtype + " x " + length + (offsetBytes != 0 ? " at +" + offsetBytes : "")
                + (allocation.freed ? ", freed" : "") + "]";
    }
}
