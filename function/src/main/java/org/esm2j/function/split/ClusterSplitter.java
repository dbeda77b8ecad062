package org.esm2j.function.split;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.esm2j.function.similarity.SequenceClusters;

/**
 * Splits whole clusters, so no test protein has a training protein in its own cluster. Clusters are shuffled with
 * the seed, then each goes to the part furthest below its target size (ties to the earlier part); part sizes miss
 * their targets by at most about one cluster.
 */
public final class ClusterSplitter {
    private ClusterSplitter() {
    }

    public static SplitAssignment split(SequenceClusters clusters, SplitFractions fractions, long seed) {
        List<List<String>> shuffled = new ArrayList<>();
        for (Map.Entry<String, List<String>> c : clusters.clusters().entrySet()) {
            shuffled.add(c.getValue());
        }
        Collections.shuffle(shuffled, new Random(seed));
        int[] target = fractions.counts(clusters.proteinCount());
        int[] assigned = new int[target.length];
        SplitAssignment split = new SplitAssignment();
        for (List<String> members : shuffled) {
            int part = 0;
            for (int j = 1; j < target.length; j++) {
                if (target[j] - assigned[j] > target[part] - assigned[part]) {
                    part = j;
                }
            }
            for (String protein : members) {
                split.assign(protein, fractions.names().get(part));
            }
            assigned[part] += members.size();
        }
        return split;
    }
}
