package org.esm2j.train.mlm;

import java.util.Arrays;
import org.esm2j.data.Alphabet;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.loss.CrossEntropyLoss;

/**
 * Masked-LM corruption as in ESM-2's pre-training (fairseq's MaskTokensDataset): in each sequence
 * {@code floor(0.15 n + u)} of its {@code n} maskable positions ({@code u} uniform in [0, 1), so the expected count is
 * exactly 15%) are chosen uniformly without replacement; of those, 80% become {@code <mask>}, 10% a uniformly random
 * standard amino acid (ids 4..23, which may be the original) and 10% stay as they are. The targets hold the original
 * token at the chosen positions and -100 everywhere else. Maskable means any token except {@code <cls>}, {@code <eos>},
 * {@code <pad>} and an existing {@code <mask>}. A short sequence may get no position (a batch without any is scored 0
 * by {@link org.esm2j.train.loss.MaskedLmLoss}).
 *
 * <p>All draws come from one {@link SeededRandom}, in sequence order, so the same seed and the same batches give the
 * same corruption, and a resumed run continues it exactly once the random state is restored.
 */
public final class MaskedLmMasking {
    /** First and last id of the 20 standard amino acids in the ESM alphabet (L A G V S E R T I D P K Q N F Y M H W C). */
    public static final int FIRST_STANDARD = 4;
    public static final int LAST_STANDARD = 23;

    private final double selectProbability;
    private final double maskFraction;
    private final double randomFraction;
    private final SeededRandom random;

    /** The ESM-2 recipe: 15% selected, 80% mask, 10% random, 10% unchanged. */
    public MaskedLmMasking(SeededRandom random) {
        this(0.15, 0.8, 0.1, random);
    }

    public MaskedLmMasking(double selectProbability, double maskFraction, double randomFraction,
            SeededRandom random) {
        if (!(selectProbability > 0 && selectProbability <= 1)) {
            throw new IllegalArgumentException("selection probability must be in (0, 1]: " + selectProbability);
        }
        if (!(maskFraction >= 0 && randomFraction >= 0 && maskFraction + randomFraction <= 1)) {
            throw new IllegalArgumentException("mask and random fractions must be >= 0 with a sum <= 1: "
                    + maskFraction + ", " + randomFraction);
        }
        this.selectProbability = selectProbability;
        this.maskFraction = maskFraction;
        this.randomFraction = randomFraction;
        this.random = random;
    }

    /** Corrupted inputs and their targets, both aligned with the original tokens. */
    public record Masked(int[] inputs, int[] targets) {
    }

    /**
     * Corrupts a batch of sequences laid end to end: sequence {@code b} is {@code tokens[offsets[b], offsets[b + 1])}.
     * A padded (B, T) batch is the case {@code offsets = 0, T, 2T, ...}; a packed batch passes its cu_seqlens.
     */
    public Masked apply(int[] tokens, int[] offsets) {
        if (offsets.length < 2 || offsets[0] != 0 || offsets[offsets.length - 1] != tokens.length) {
            throw new IllegalArgumentException("offsets must run from 0 to the number of tokens " + tokens.length);
        }
        int[] inputs = tokens.clone();
        int[] targets = new int[tokens.length];
        Arrays.fill(targets, CrossEntropyLoss.IGNORE_INDEX);
        for (int b = 0; b + 1 < offsets.length; b++) {
            if (offsets[b + 1] < offsets[b]) {
                throw new IllegalArgumentException("offsets decrease at sequence " + b);
            }
            corrupt(tokens, offsets[b], offsets[b + 1], inputs, targets);
        }
        return new Masked(inputs, targets);
    }

    /** One sequence on its own. */
    public Masked apply(int[] tokens) {
        return apply(tokens, new int[] {0, tokens.length});
    }

    private void corrupt(int[] tokens, int from, int to, int[] inputs, int[] targets) {
        int[] candidates = new int[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            if (maskable(tokens[i])) {
                candidates[n++] = i;
            }
        }
        if (n == 0) {
            return;
        }
        int count = Math.min(n, (int) Math.floor(selectProbability * n + random.nextDouble()));
        // partial Fisher-Yates: the first `count` candidates become a uniform sample without replacement
        for (int k = 0; k < count; k++) {
            int j = k + random.nextInt(n - k);
            int chosen = candidates[j];
            candidates[j] = candidates[k];
            candidates[k] = chosen;
            targets[chosen] = tokens[chosen];
            double u = random.nextDouble();
            if (u < maskFraction) {
                inputs[chosen] = Alphabet.MASK;
            } else if (u < maskFraction + randomFraction) {
                inputs[chosen] = FIRST_STANDARD + random.nextInt(LAST_STANDARD - FIRST_STANDARD + 1);
            }
        }
    }

    private static boolean maskable(int token) {
        return token != Alphabet.CLS && token != Alphabet.EOS && token != Alphabet.PAD && token != Alphabet.MASK;
    }
}
