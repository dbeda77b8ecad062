package org.esm2j.cuda;

import org.bytedeco.javacpp.Pointer;
import org.esm2j.tensor.DType;

/**
 * A row-major matrix in device memory: {@code rows x cols} elements of {@code dtype}, rows {@code rowStride} elements
 * apart. Only a description: it neither owns nor checks the memory behind {@code data}.
 */
public record DeviceMatrix(Pointer data, DType dtype, long rows, long cols, long rowStride) {

    /** A matrix whose rows follow each other without gaps. */
    public static DeviceMatrix contiguous(Pointer data, DType dtype, long rows, long cols) {
        return new DeviceMatrix(data, dtype, rows, cols, cols);
    }
}
