package org.esm2j.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Weights;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;

/** Models and token batches the GPU tests and the GPU benchmark share. */
final class GpuTestInputs {
    private static final int CLS = 0;
    /** Token ids 4..23 are the 20 standard residues. */
    private static final int FIRST_RESIDUE = 4;
    private static final int RESIDUE_COUNT = 20;

    private GpuTestInputs() {}

    /** A golden fixture model, loaded from Meta's .pt format. */
    static Esm2Weights fixtureWeights(String model) {
        return CheckpointLoader.load(Fixtures.metaCheckpoint(model)).weights();
    }

    /** The golden file's reference sequences (some hold {@code <mask>}). */
    static List<int[]> goldenTokens(String model) {
        Golden golden = Golden.of(model);
        List<int[]> tokens = new ArrayList<>();
        for (int i = 0; i < golden.sequences().size(); i++) {
            tokens.add(golden.tokens(i));
        }
        return tokens;
    }

    /** One sequence per entry of {@code residueCounts}: {@code <cls>}, that many seeded random residues, {@code <eos>}. */
    static List<int[]> randomSequences(int[] residueCounts, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> tokens = new ArrayList<>();
        for (int residues : residueCounts) {
            int[] seq = new int[residues + 2];
            seq[0] = CLS;
            for (int i = 1; i <= residues; i++) {
                seq[i] = FIRST_RESIDUE + random.nextInt(RESIDUE_COUNT);
            }
            seq[residues + 1] = Alphabet.EOS;
            tokens.add(seq);
        }
        return tokens;
    }
}
