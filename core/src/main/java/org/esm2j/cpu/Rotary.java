package org.esm2j.cpu;

/**
 * Rotary position embedding in the half-split ("rotate_half") layout of fair-esm: for j < hd/2 and angle
 * {@code theta = t * inv_freq[j]}, {@code y[j] = x[j] cos - x[j + hd/2] sin} and
 * {@code y[j + hd/2] = x[j + hd/2] cos + x[j] sin}. The table follows PyTorch's float32 arithmetic: theta is a float
 * product of the float position and the checkpoint's float inv_freq, and cos/sin are rounded to float.
 */
final class Rotary {
    final int halfDim;
    final int maxPositions;
    final float[] cos; // (maxPositions, halfDim)
    final float[] sin; // (maxPositions, halfDim)

    Rotary(float[] invFreq, int maxPositions) {
        this.halfDim = invFreq.length;
        this.maxPositions = maxPositions;
        this.cos = new float[maxPositions * halfDim];
        this.sin = new float[maxPositions * halfDim];
        for (int t = 0; t < maxPositions; t++) {
            for (int j = 0; j < halfDim; j++) {
                float theta = (float) t * invFreq[j];
                cos[t * halfDim + j] = (float) Math.cos(theta);
                sin[t * halfDim + j] = (float) Math.sin(theta);
            }
        }
    }

    /**
     * Rotates the head vector {@code x[xOff .. xOff + 2 halfDim)} at position t and writes element d of the result to
     * {@code out[outOff + d * outStride]} (stride 1 for a row, T for a column of a transposed matrix).
     */
    void rotate(float[] x, int xOff, int t, float[] out, int outOff, int outStride) {
        int row = t * halfDim;
        for (int j = 0; j < halfDim; j++) {
            float c = cos[row + j];
            float s = sin[row + j];
            float lo = x[xOff + j];
            float hi = x[xOff + j + halfDim];
            out[outOff + j * outStride] = lo * c + -hi * s;
            out[outOff + (j + halfDim) * outStride] = hi * c + lo * s;
        }
    }

    /**
     * The transpose of {@link #rotate} (its inverse, a rotation by -theta), which carries a gradient back through it:
     * {@code out[outOff + d]} gets the gradient of the unrotated element d from {@code dy[dyOff .. dyOff + 2 halfDim)}.
     */
    void rotateBack(float[] dy, int dyOff, int t, float[] out, int outOff) {
        int row = t * halfDim;
        for (int j = 0; j < halfDim; j++) {
            float c = cos[row + j];
            float s = sin[row + j];
            float lo = dy[dyOff + j];
            float hi = dy[dyOff + j + halfDim];
            out[outOff + j] = lo * c + hi * s;
            out[outOff + j + halfDim] = hi * c + -lo * s;
        }
    }
}
