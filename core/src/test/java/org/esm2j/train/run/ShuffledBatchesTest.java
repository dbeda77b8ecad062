package org.esm2j.train.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShuffledBatchesTest {
    @Test
    void everyEpochVisitsEveryExampleOnceInAnOrderOfItsOwn() {
        ShuffledBatches b = new ShuffledBatches(10, 4, 99);
        assertEquals(3, b.batchesPerEpoch());
        int[][] epochs = new int[2][];
        DataPosition p = new DataPosition(0, 0, 99);
        for (int e = 0; e < 2; e++) {
            int[] seen = new int[0];
            for (int i = 0; i < 3; i++) {
                assertEquals(e, p.epoch());
                int[] batch = b.batch(p);
                assertEquals(i < 2 ? 4 : 2, batch.length);
                seen = concat(seen, batch);
                p = b.next(p);
            }
            epochs[e] = seen;
            int[] sorted = seen.clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
        }
        assertFalse(Arrays.equals(epochs[0], epochs[1]), "epochs reshuffle");
        // a position is enough to restore the batch, in a fresh instance too
        assertArrayEquals(b.batch(new DataPosition(1, 2, 99)),
                new ShuffledBatches(10, 4, 99).batch(new DataPosition(1, 2, 99)));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
