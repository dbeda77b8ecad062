package org.esm2j.function.imbalance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClassBalancedSamplerTest {
    @Test
    void multiLabelWeightsFollowTheRarestClass() {
        // Counts: a 3, b 1, unlabelled 1. Weights: {a} 1/3, {a,b} max(1/3, 1) = 1, {a} 1/3, {} 1; total 8/3.
        ClassBalancedSampler sampler = new ClassBalancedSampler(List.of(Set.of("a"), Set.of("a", "b"), Set.of("a"),
                Set.of()), 1);
        assertArrayEquals(new double[] {1.0 / 8, 3.0 / 8, 1.0 / 8, 3.0 / 8}, sampler.probabilities(), 1e-15);
    }

    @Test
    void singleLabelClassesAreDrawnEquallyOften() {
        List<Set<String>> labels = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            labels.add(Set.of(i < 90 ? "common" : "rare"));
        }
        int[] drawn = new ClassBalancedSampler(labels, 7).epoch(0, 20_000);
        long rare = Arrays.stream(drawn).filter(i -> i >= 90).count();
        // Expected half; binomial standard deviation sqrt(20000 / 4) = 71, so +-400 is over 5 sigma.
        assertEquals(10_000, rare, 400, "draws of the rare class");
    }

    @Test
    void drawsRepeatPerSeedAndEpoch() {
        List<Set<String>> labels = List.of(Set.of("a"), Set.of("b"), Set.of("a"), Set.of("c"));
        int[] first = new ClassBalancedSampler(labels, 11).epoch(3, 50);
        assertArrayEquals(first, new ClassBalancedSampler(labels, 11).epoch(3, 50));
        assertFalse(Arrays.equals(first, new ClassBalancedSampler(labels, 11).epoch(4, 50)));
        assertFalse(Arrays.equals(first, new ClassBalancedSampler(labels, 12).epoch(3, 50)));
    }
}
