package org.esm2j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenBudgetBatcherTest {
    @Test
    void greedyBatchesOfSortedLengths() {
        // sorted: idx3(2) idx1(5) idx4(5) idx0(10) idx2(40)
        List<int[]> batches = TokenBudgetBatcher.batches(new int[] {10, 5, 40, 2, 5}, 20);
        assertEquals(3, batches.size());
        assertArrayEquals(new int[] {3, 1, 4}, batches.get(0)); // 5 * 3 = 15 <= 20; adding 10 gives 40
        assertArrayEquals(new int[] {0}, batches.get(1)); // 10 * 2 = 20 would fit, but 40 * 2 does not
        assertArrayEquals(new int[] {2}, batches.get(2)); // longer than the budget: its own batch
    }

    @Test
    void oversizedSequencesEachFormTheirOwnBatch() {
        List<int[]> batches = TokenBudgetBatcher.batches(new int[] {50, 3, 60, 3}, 10);
        assertEquals(3, batches.size());
        assertArrayEquals(new int[] {1, 3}, batches.get(0));
        assertArrayEquals(new int[] {0}, batches.get(1));
        assertArrayEquals(new int[] {2}, batches.get(2));
    }

    @Test
    void edgeCases() {
        assertEquals(0, TokenBudgetBatcher.batches(new int[0], 100).size());
        assertThrows(IllegalArgumentException.class, () -> TokenBudgetBatcher.batches(new int[] {3}, 0));
        String message = assertThrows(IllegalArgumentException.class,
                () -> TokenBudgetBatcher.batches(new int[] {3, 0}, 10)).getMessage();
        assertTrue(message.contains("sequence 1"), message);
    }

    /** Fixed-seed random inputs: every index exactly once, budget respected, lengths ascending, deterministic. */
    @Test
    void invariantsOnRandomInputs() {
        Random random = new Random(1022L);
        for (int trial = 0; trial < 500; trial++) {
            int count = random.nextInt(200);
            int budget = 1 + random.nextInt(4096);
            int[] lengths = new int[count];
            for (int i = 0; i < count; i++) {
                lengths[i] = 3 + random.nextInt(random.nextBoolean() ? 100 : 2000);
            }
            List<int[]> batches = TokenBudgetBatcher.batches(lengths, budget);
            boolean[] seen = new boolean[count];
            int previousLength = 0;
            int previousIndex = -1;
            for (int[] batch : batches) {
                assertTrue(batch.length > 0);
                int max = 0;
                for (int index : batch) {
                    assertTrue(!seen[index], "index " + index + " appears twice");
                    seen[index] = true;
                    int length = lengths[index];
                    assertTrue(length > previousLength || length == previousLength && index > previousIndex,
                            "sorted by length, then index");
                    previousLength = length;
                    previousIndex = index;
                    max = Math.max(max, length);
                }
                assertTrue(batch.length == 1 || (long) max * batch.length <= budget,
                        "batch of " + batch.length + " with max length " + max + " exceeds budget " + budget);
            }
            for (int i = 0; i < count; i++) {
                assertTrue(seen[i], "index " + i + " missing");
            }
            List<int[]> again = TokenBudgetBatcher.batches(lengths, budget);
            assertEquals(batches.size(), again.size());
            for (int b = 0; b < batches.size(); b++) {
                assertArrayEquals(batches.get(b), again.get(b));
            }
        }
    }
}
