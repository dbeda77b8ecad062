package org.esm2j.train.run;

/**
 * Where a run is in its data: the next micro-batch is batch {@code batch} (0-based) of epoch {@code epoch}, whose order
 * is the permutation {@link ShuffledBatches} draws from {@code shuffleSeed} and the epoch number.
 */
public record DataPosition(long epoch, int batch, long shuffleSeed) {
    public DataPosition {
        if (epoch < 0 || batch < 0) {
            throw new IllegalArgumentException("data position must be >= 0: epoch " + epoch + ", batch " + batch);
        }
    }
}
