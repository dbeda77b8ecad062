package org.esm2j.train.run;

import java.util.Arrays;
import org.esm2j.train.SeededRandom;

/**
 * The micro-batches of an epoch: the examples in a random order drawn from the shuffle seed and the epoch number alone
 * (so any position can be restored without replaying earlier epochs), cut into consecutive groups of
 * {@code batchSize}; the last group of an epoch may be smaller.
 */
public final class ShuffledBatches {
    private final int examples;
    private final int batchSize;
    private final long shuffleSeed;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    public ShuffledBatches(int examples, int batchSize, long shuffleSeed) {
        if (examples < 1) {
            throw new IllegalArgumentException("no examples to batch");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1: " + batchSize);
        }
        this.examples = examples;
        this.batchSize = batchSize;
        this.shuffleSeed = shuffleSeed;
    }

    public int batchesPerEpoch() {
        return (examples + batchSize - 1) / batchSize;
    }

    public long shuffleSeed() {
        return shuffleSeed;
    }

    /** The example indices of micro-batch {@code position.batch()} of {@code position.epoch()}. */
    public int[] batch(DataPosition position) {
        if (position.batch() >= batchesPerEpoch()) {
            throw new IllegalArgumentException("batch " + position.batch() + " out of range: an epoch has "
                    + batchesPerEpoch());
        }
        int[] order = order(position.epoch());
        int from = position.batch() * batchSize;
        return Arrays.copyOfRange(order, from, Math.min(examples, from + batchSize));
    }

    /** The position after {@code position}: the next batch, or the first of the next epoch. */
    public DataPosition next(DataPosition position) {
        return position.batch() + 1 < batchesPerEpoch()
                ? new DataPosition(position.epoch(), position.batch() + 1, shuffleSeed)
                : new DataPosition(position.epoch() + 1, 0, shuffleSeed);
    }

    private int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            // One generator per epoch, seeded from both numbers through SplitMix64's first output.
            SeededRandom random = new SeededRandom(new SeededRandom(shuffleSeed ^ (epoch * 0xD1B54A32D192ED03L))
                    .nextLong());
            int[] order = new int[examples];
            for (int i = 0; i < examples; i++) {
                order[i] = i;
            }
            for (int i = examples - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }
}
