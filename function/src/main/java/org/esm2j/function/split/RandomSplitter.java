package org.esm2j.function.split;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** A seeded shuffle cut into parts of the requested sizes: the same seed and input order give the same split. */
public final class RandomSplitter {
    private RandomSplitter() {
    }

    public static SplitAssignment split(Collection<String> proteins, SplitFractions fractions, long seed) {
        List<String> shuffled = new ArrayList<>(proteins);
        Collections.shuffle(shuffled, new Random(seed));
        int[] counts = fractions.counts(shuffled.size());
        SplitAssignment split = new SplitAssignment();
        int next = 0;
        for (int part = 0; part < counts.length; part++) {
            for (int i = 0; i < counts[part]; i++) {
                split.assign(shuffled.get(next++), fractions.names().get(part));
            }
        }
        return split;
    }
}
