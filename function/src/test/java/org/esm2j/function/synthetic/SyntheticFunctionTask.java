package org.esm2j.function.synthetic;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A generated function-prediction task for fast tests (issue 9, item 8c): protein-like sequences in homologous
 * families, with terms given by planted motifs.
 *
 * <p>Sequences: each family has an ancestor drawn from approximate natural amino-acid frequencies; members copy it with
 * substitutions and short insertions/deletions, so members of a family are homologous (roughly 60-75% identical) and
 * different families are unrelated.
 *
 * <p>Terms: term t has a motif, a stretch of {@link #MOTIF_LENGTH} residues drawn from three residues that are rare in
 * the background (its own trio), planted at a random place. A protein carries term t exactly when the motif is
 * planted in it, so labels are a property of the sequence. Families carry one to three "family" terms (shared between
 * families, so labels overlap) that each member has with probability 0.85 (members gain and lose functions); "rare"
 * terms are planted in a few random proteins of any family. The motifs shift the composition of the sequence, which
 * is what makes the task learnable from mean embeddings of a random-weight model (whose mean-pooled states still depend
 * on composition); it is not a test of biological knowledge.
 */
public final class SyntheticFunctionTask {
    public static final int MOTIF_LENGTH = 10;
    private static final String AMINO_ACIDS = "ARNDCQEGHILKMFPSTWYV";
    /** Rough natural frequencies (percent), in the order of {@link #AMINO_ACIDS}. */
    private static final double[] BACKGROUND = {8.3, 5.5, 4.1, 5.5, 1.4, 3.9, 6.7, 7.1, 2.3, 5.9, 9.7, 5.8, 2.4, 3.9,
        4.7, 6.6, 5.3, 1.1, 2.9, 6.9};

    /** One generated protein: its family, its sequence and which terms (motifs) it carries. */
    public record Protein(String id, int family, String sequence, boolean[] terms) {
    }

    private final List<Protein> proteins;
    private final List<String> termNames;
    private final List<String> motifAlphabets;

    private SyntheticFunctionTask(List<Protein> proteins, List<String> termNames, List<String> motifAlphabets) {
        this.proteins = proteins;
        this.termNames = termNames;
        this.motifAlphabets = motifAlphabets;
    }

    /**
     * @param families number of homologous families
     * @param membersPerFamily proteins per family
     * @param familyTerms terms handed out to families (one to three per family)
     * @param rareTerms terms planted in about {@code rareCount} random proteins each
     */
    public static SyntheticFunctionTask generate(long seed, int families, int membersPerFamily, int familyTerms,
            int rareTerms, int rareCount) {
        Random random = new Random(seed);
        int termCount = familyTerms + rareTerms;
        List<String> names = new ArrayList<>();
        List<String> motifAlphabets = new ArrayList<>();
        for (int t = 0; t < termCount; t++) {
            names.add((t < familyTerms ? "FAM" : "RARE") + ":" + t);
            motifAlphabets.add(motifAlphabet(random));
        }
        List<Protein> proteins = new ArrayList<>();
        for (int f = 0; f < families; f++) {
            String ancestor = randomSequence(random, 60 + random.nextInt(40));
            boolean[] familySet = new boolean[termCount];
            int k = 1 + random.nextInt(3);
            for (int j = 0; j < k; j++) {
                familySet[random.nextInt(familyTerms)] = true;
            }
            for (int m = 0; m < membersPerFamily; m++) {
                boolean[] terms = new boolean[termCount];
                for (int t = 0; t < familyTerms; t++) {
                    terms[t] = familySet[t] && random.nextDouble() < 0.85;
                }
                proteins.add(new Protein(String.format("F%02d_M%02d", f, m), f, mutate(random, ancestor), terms));
            }
        }
        for (int t = familyTerms; t < termCount; t++) {
            for (int c = 0; c < rareCount; c++) {
                proteins.get(random.nextInt(proteins.size())).terms()[t] = true;
            }
        }
        List<Protein> planted = new ArrayList<>(proteins.size());
        for (Protein p : proteins) {
            planted.add(new Protein(p.id(), p.family(), plant(random, p.sequence(), p.terms(), motifAlphabets),
                    p.terms()));
        }
        Collections.shuffle(planted, random);
        return new SyntheticFunctionTask(List.copyOf(planted), List.copyOf(names), List.copyOf(motifAlphabets));
    }

    /** The fixed configuration the tests use: 14 families x 14 members, 8 family terms, 3 rare terms. */
    public static SyntheticFunctionTask standard(long seed) {
        return generate(seed, 14, 14, 8, 3, 6);
    }

    public List<Protein> proteins() {
        return proteins;
    }

    public List<String> termNames() {
        return termNames;
    }

    /** The three residues term t's motif is made of. */
    public String motifAlphabet(int term) {
        return motifAlphabets.get(term);
    }

    /** Three distinct residues, from those at most 4% in the background, so motifs shift the composition. */
    private static String motifAlphabet(Random random) {
        List<Character> rare = new ArrayList<>();
        for (int i = 0; i < AMINO_ACIDS.length(); i++) {
            if (BACKGROUND[i] <= 4.2) {
                rare.add(AMINO_ACIDS.charAt(i));
            }
        }
        Collections.shuffle(rare, random);
        return "" + rare.get(0) + rare.get(1) + rare.get(2);
    }

    private static String randomSequence(Random random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(backgroundResidue(random));
        }
        return sb.toString();
    }

    private static char backgroundResidue(Random random) {
        double total = 0;
        for (double f : BACKGROUND) {
            total += f;
        }
        double x = random.nextDouble() * total;
        for (int i = 0; i < BACKGROUND.length; i++) {
            x -= BACKGROUND[i];
            if (x < 0) {
                return AMINO_ACIDS.charAt(i);
            }
        }
        return AMINO_ACIDS.charAt(AMINO_ACIDS.length() - 1);
    }

    /** About 25% substitutions, 2% single-residue insertions and 2% deletions. */
    private static String mutate(Random random, String ancestor) {
        StringBuilder sb = new StringBuilder(ancestor.length() + 8);
        for (int i = 0; i < ancestor.length(); i++) {
            double x = random.nextDouble();
            if (x < 0.02) {
                continue;
            }
            if (x < 0.04) {
                sb.append(backgroundResidue(random));
            }
            sb.append(random.nextDouble() < 0.25 ? backgroundResidue(random) : ancestor.charAt(i));
        }
        return sb.toString();
    }

    /** Each carried term's motif replaces residues at a random place (motifs may overlap one another). */
    private static String plant(Random random, String sequence, boolean[] terms, List<String> alphabets) {
        char[] s = sequence.toCharArray();
        for (int t = 0; t < terms.length; t++) {
            if (!terms[t]) {
                continue;
            }
            String alphabet = alphabets.get(t);
            int start = random.nextInt(s.length - MOTIF_LENGTH + 1);
            for (int i = 0; i < MOTIF_LENGTH; i++) {
                s[start + i] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
        }
        return new String(s);
    }
}
