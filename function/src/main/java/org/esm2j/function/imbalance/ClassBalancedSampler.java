package org.esm2j.function.imbalance;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws training examples so that rare classes are seen as often as common ones: seeded, with replacement.
 *
 * <p>An example's weight is the largest of 1 / n_c over its classes c, with n_c the number of examples carrying c
 * (examples without a class form one class of their own). For single-label data every class then gets the same total
 * weight, so each class is drawn equally often; for multi-label data an example counts for its rarest class, which
 * over-samples the rare terms without letting an example with many common terms pile up weight.
 *
 * <p>Epoch e's draws depend only on the seed and e, so a resumed run draws what the uninterrupted run would have.
 */
public final class ClassBalancedSampler {
    private final double[] cumulative;
    private final long seed;

    /**
     * @param labels each example's classes (terms), in example order
     * @param seed   the random seed
     */
    public ClassBalancedSampler(List<? extends Collection<String>> labels, long seed) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no examples to sample from");
        }
        Map<String, Integer> counts = new HashMap<>();
        int unlabelled = 0;
        for (Collection<String> classes : labels) {
            if (classes.isEmpty()) {
                unlabelled++;
            }
            for (String c : Set.copyOf(classes)) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        double[] weights = new double[labels.size()];
        for (int i = 0; i < weights.length; i++) {
            double w = 0;
            for (String c : labels.get(i)) {
                w = Math.max(w, 1.0 / counts.get(c));
            }
            weights[i] = labels.get(i).isEmpty() ? 1.0 / unlabelled : w;
        }
        this.cumulative = new double[weights.length];
        double total = 0;
        for (int i = 0; i < weights.length; i++) {
            total += weights[i];
            cumulative[i] = total;
        }
        for (int i = 0; i < cumulative.length; i++) {
            cumulative[i] /= total;
        }
        this.seed = seed;
    }

    /** Each example's probability of being drawn. */
    public double[] probabilities() {
        double[] p = new double[cumulative.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
        }
        return p;
    }

    /**
     * The example indices drawn for one epoch.
     *
     * @param epoch the epoch number (draws are a function of seed and epoch)
     * @param size  how many to draw (usually the number of examples)
     */
    public int[] epoch(int epoch, int size) {
        SplittableRandom random = new SplittableRandom(mix(seed, epoch));
        int[] drawn = new int[size];
        for (int i = 0; i < size; i++) {
            int k = Arrays.binarySearch(cumulative, random.nextDouble());
            // binarySearch returns -(insertion point) - 1 when absent: the first cumulative value above the draw.
            drawn[i] = Math.min(k >= 0 ? k + 1 : -k - 1, cumulative.length - 1);
        }
        return drawn;
    }

    /**
     * A well-mixed seed per epoch. Not seed + epoch: SplittableRandom seeds that differ by its internal increment give
     * shifted copies of one stream.
     */
    private static long mix(long seed, int epoch) {
        long z = seed ^ (epoch * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
