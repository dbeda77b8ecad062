package org.esm2j.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An immutable, row-major (C-contiguous) array of one {@link DType} over little-endian bytes. The bytes may live on the
 * heap, in direct memory, or in a memory-mapped file; a tensor never copies them until asked to convert.
 */
public final class Tensor {
    private final DType dtype;
    private final long[] shape; // row-major dims; empty for a scalar
    private final ByteBuffer data; // exactly numel * dtype.byteSize() bytes, position 0, little-endian

    public Tensor(DType dtype, long[] shape, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long n = numel(this.shape);
        if (n * dtype.byteSize() != data.remaining()) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + n * dtype.byteSize() + " bytes, got " + data.remaining());
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static Tensor ofFloats(float[] values, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, buf);
    }

    public static Tensor ofInts(int[] values, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(values);
        return new Tensor(DType.I32, shape, buf);
    }

    public static Tensor ofLongs(long[] values, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return new Tensor(DType.I64, shape, buf);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public long numel() {
        return numel(shape);
    }

    public long byteSize() {
        return data.remaining();
    }

    /** A read-only little-endian view of the raw bytes. */
    public ByteBuffer bytes() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /** Values widened or narrowed to float32; integer tensors are converted exactly where representable. */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = bytes();
        switch (dtype) {
            case F32: {
                FloatBuffer fb = b.asFloatBuffer();
                fb.get(out);
                break;
            }
            case F64:
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
                break;
            case F16:
                for (int i = 0; i < n; i++) {
                    out[i] = HalfFloats.f16ToFloat(b.getShort(i * 2));
                }
                break;
            case BF16:
                for (int i = 0; i < n; i++) {
                    out[i] = HalfFloats.bf16ToFloat(b.getShort(i * 2));
                }
                break;
            case I64:
                for (int i = 0; i < n; i++) {
                    out[i] = b.getLong(i * 8);
                }
                break;
            case I32:
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(i * 4);
                }
                break;
            case I16:
                for (int i = 0; i < n; i++) {
                    out[i] = b.getShort(i * 2);
                }
                break;
            case I8:
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
                break;
            case U8:
            case BOOL:
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i) & 0xff;
                }
                break;
            default:
                throw new IllegalStateException("unhandled dtype " + dtype);
        }
        return out;
    }

    /** Integer values as longs; floating-point tensors are refused. */
    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = bytes();
        switch (dtype) {
            case I64:
                b.asLongBuffer().get(out);
                break;
            case I32:
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(i * 4);
                }
                break;
            case I16:
                for (int i = 0; i < n; i++) {
                    out[i] = b.getShort(i * 2);
                }
                break;
            case I8:
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
                break;
            case U8:
            case BOOL:
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i) & 0xff;
                }
                break;
            default:
                throw new IllegalStateException("tensor of dtype " + dtype + " is not an integer tensor");
        }
        return out;
    }

    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    /** The same values in another floating-point type (a copy unless the type already matches). */
    public Tensor convertTo(DType target) {
        if (target == dtype) {
            return this;
        }
        if (!target.isFloatingPoint() || !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("cannot convert " + dtype + " to " + target);
        }
        float[] values = toFloatArray();
        ByteBuffer out = ByteBuffer.allocate(values.length * target.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (target) {
                case F32: out.putFloat(v); break;
                case F64: out.putDouble(v); break;
                case F16: out.putShort(HalfFloats.floatToF16(v)); break;
                case BF16: out.putShort(HalfFloats.floatToBf16(v)); break;
                default: throw new IllegalStateException("unhandled dtype " + target);
            }
        }
        out.flip();
        return new Tensor(target, shape, out);
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + Arrays.toString(shape) + ")";
    }
}
