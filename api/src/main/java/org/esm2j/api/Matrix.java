package org.esm2j.api;

import java.util.Arrays;

/**
 * A float32 matrix of {@code rows x cols} values, row-major in {@code data} (not copied: the array is the matrix).
 *
 * @param rows e.g. residues
 * @param cols e.g. the embedding size D, or 33 tokens for logits
 * @param data {@code rows * cols} values; element (r, c) at {@code r * cols + c}
 */
public record Matrix(int rows, int cols, float[] data) {
    public Matrix {
        if (rows < 0 || cols < 0 || data == null || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix needs " + (long) rows * cols
                    + " values, got " + (data == null ? "none" : data.length));
        }
    }

    public float get(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") is outside a " + rows + " x " + cols
                    + " matrix");
        }
        return data[row * cols + col];
    }

    /** A copy of row {@code r}. */
    public float[] row(int r) {
        if (r < 0 || r >= rows) {
            throw new IndexOutOfBoundsException("row " + r + " is outside a " + rows + " x " + cols + " matrix");
        }
        float[] out = new float[cols];
        System.arraycopy(data, r * cols, out, 0, cols);
        return out;
    }

    @Override
    public String toString() {
        return "Matrix(" + rows + " x " + cols + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(data);
    }
}
