package org.esm2j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.esm2j.InvalidInputException;
import org.junit.jupiter.api.Test;

class PaddedBatchTest {
    @Test
    void rowsLoseTheirPaddingAndTargetsFollow() {
        int[] tokens = {0, 5, 6, 2, 1, 0, 7, 2, 1, 1};
        List<int[]> seqs = PaddedBatch.sequences(tokens, 2, 5);
        assertArrayEquals(new int[] {0, 5, 6, 2}, seqs.get(0));
        assertArrayEquals(new int[] {0, 7, 2}, seqs.get(1));
        int[] targets = {-100, 9, -100, -100, -100, -100, 4, -100, -100, -100};
        List<int[]> t = PaddedBatch.alignedTo(seqs, targets, 5);
        assertArrayEquals(new int[] {-100, 9, -100, -100}, t.get(0));
        assertArrayEquals(new int[] {-100, 4, -100}, t.get(1));
        targets[9] = 3; // a target on padding
        assertThrows(InvalidInputException.class, () -> PaddedBatch.alignedTo(seqs, targets, 5));
    }
}
