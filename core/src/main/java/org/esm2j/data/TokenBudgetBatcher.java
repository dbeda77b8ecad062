package org.esm2j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups sequences into batches under a token budget, as fair-esm's {@code FastaBatchedDataset.get_batch_indices}
 * does: sequences sorted by length (ties by index), then filled greedily while {@code max length * count} stays within
 * the budget. Sorting keeps padding low; the budget bounds the padded batch tensor.
 *
 * <p>Unlike extract.py, which passes {@code extra_toks_per_seq=1} although two special tokens are added, callers pass
 * the framed lengths (residues + 2) of what actually runs, so the budget holds for the real padded tensor.
 */
public final class TokenBudgetBatcher {
    private TokenBudgetBatcher() {
    }

    /**
     * Indices of sequences grouped into batches: sorted by length, each batch's (max framed length * count) is at
     * most {@code tokensPerBatch}; a single sequence longer than the budget forms its own batch. Deterministic; every
     * index appears exactly once, batches in ascending length order.
     */
    public static List<int[]> batches(int[] framedLengths, int tokensPerBatch) {
        if (tokensPerBatch < 1) {
            throw new IllegalArgumentException("tokens per batch must be at least 1, got " + tokensPerBatch);
        }
        for (int i = 0; i < framedLengths.length; i++) {
            if (framedLengths[i] < 1) {
                throw new IllegalArgumentException("sequence " + i + " has length " + framedLengths[i]
                        + "; framed lengths must be at least 1");
            }
        }
        Integer[] order = new Integer[framedLengths.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> framedLengths[i]).thenComparingInt(i -> i));

        List<int[]> batches = new ArrayList<>();
        int[] current = new int[framedLengths.length];
        int count = 0;
        for (int index : order) {
            long length = framedLengths[index];
            // Lengths only grow in sorted order, so the new sequence sets the batch's padded length.
            if (count > 0 && length * (count + 1) > tokensPerBatch) {
                batches.add(Arrays.copyOf(current, count));
                count = 0;
            }
            current[count++] = index;
        }
        if (count > 0) {
            batches.add(Arrays.copyOf(current, count));
        }
        return batches;
    }
}
