package org.esm2j.function.similarity;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.esm2j.data.FastaRecord;

/**
 * Protein-like families for clustering tests: each family is a random ancestor and copies with a known share of
 * positions substituted (no gaps), so every member's identity to its ancestor is known exactly; different families
 * are unrelated random sequences (about 6% identity).
 */
public final class SyntheticFamilies {
    private static final String RESIDUES = "ACDEFGHIKLMNPQRSTVWY";

    private SyntheticFamilies() {
    }

    /** Ids {@code f<family>_m<member>}; member 0 is the ancestor itself. */
    public static List<FastaRecord> generate(int families, int membersPerFamily, int length, double identity,
            long seed) {
        Random random = new Random(seed);
        List<FastaRecord> records = new ArrayList<>();
        for (int f = 0; f < families; f++) {
            char[] ancestor = randomSequence(length + random.nextInt(length / 2), random);
            for (int m = 0; m < membersPerFamily; m++) {
                char[] member = m == 0 ? ancestor : mutate(ancestor, 1 - identity, random);
                records.add(new FastaRecord("f" + f + "_m" + m, "", new String(member)));
            }
        }
        return records;
    }

    /** A copy with exactly round(share x length) positions changed to a different residue. */
    public static char[] mutate(char[] sequence, double share, Random random) {
        char[] copy = sequence.clone();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < copy.length; i++) {
            positions.add(i);
        }
        java.util.Collections.shuffle(positions, random);
        for (int i = 0; i < Math.round(share * copy.length); i++) {
            int p = positions.get(i);
            char c;
            do {
                c = RESIDUES.charAt(random.nextInt(RESIDUES.length()));
            } while (c == copy[p]);
            copy[p] = c;
        }
        return copy;
    }

    private static char[] randomSequence(int length, Random random) {
        char[] s = new char[length];
        for (int i = 0; i < length; i++) {
            s[i] = RESIDUES.charAt(random.nextInt(RESIDUES.length()));
        }
        return s;
    }
}
