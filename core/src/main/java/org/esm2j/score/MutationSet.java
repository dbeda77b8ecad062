package org.esm2j.score;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;

/**
 * The substitutions of one variant: a single mutant ({@code A42G}) or a multi-mutant written with colons
 * ({@code A42G:K50R}, the ProteinGym convention). Additive strategies score a multi-mutant as the sum over its sites.
 * Each site may appear once; the set keeps the text it was parsed from so outputs can echo the input.
 */
public final class MutationSet {
    public static final String SEPARATOR = ":";

    private final List<Mutation> mutations;
    private final String text;

    private MutationSet(List<Mutation> mutations, String text) {
        this.mutations = List.copyOf(mutations);
        this.text = text;
    }

    /** A set from parsed mutations; its text is the canonical 1-based form. Two mutations at one site are an error. */
    public static MutationSet of(List<Mutation> mutations) {
        List<String> parts = new ArrayList<>();
        mutations.forEach(m -> parts.add(m.toString()));
        String text = String.join(SEPARATOR, parts);
        return new MutationSet(checked(mutations, text), text);
    }

    /** Parses with 1-based positions. */
    public static MutationSet parse(String text) {
        return parse(text, Mutation.DEFAULT_OFFSET);
    }

    /** Parses {@code A42G} or {@code A42G:K50R}; positions as in {@link Mutation#parse(String, int)}. */
    public static MutationSet parse(String text, int offset) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new InvalidInputException("empty mutation set: expected e.g. A42G or A42G:K50R");
        }
        List<Mutation> mutations = new ArrayList<>();
        for (String part : s.split(SEPARATOR, -1)) {
            if (part.isBlank()) {
                throw new InvalidInputException("malformed mutation set '" + text + "': empty entry between '"
                        + SEPARATOR + "' separators");
            }
            try {
                mutations.add(Mutation.parse(part, offset));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("mutation set '" + text + "': " + e.getMessage(), e);
            }
        }
        return new MutationSet(checked(mutations, s), s);
    }

    public List<Mutation> mutations() {
        return mutations;
    }

    /** The text this set was parsed from (trimmed), or the canonical form for {@link #of}. */
    public String text() {
        return text;
    }

    /**
     * Checks every site against the wild-type residue tokens: the index must be inside the sequence and the residue
     * there must be the stated wild type.
     */
    void checkAgainst(int[] wildTypeResidues) {
        for (Mutation m : mutations) {
            if (m.index() >= wildTypeResidues.length) {
                throw new InvalidInputException("mutation set '" + text + "': " + m.wildType() + " at residue "
                        + m.position() + " (1-based) is outside the wild-type sequence of " + wildTypeResidues.length
                        + " residues");
            }
            int actual = wildTypeResidues[m.index()];
            if (actual != m.wildTypeToken()) {
                throw new InvalidInputException("mutation set '" + text + "': " + m + " (1-based) but residue "
                        + m.position() + " of the wild type is " + Alphabet.token(actual)
                        + "; check the numbering offset");
            }
        }
    }

    /** The residue tokens of the mutant: a copy of the wild type with every substitution applied. */
    int[] applyTo(int[] wildTypeResidues) {
        int[] mutant = wildTypeResidues.clone();
        for (Mutation m : mutations) {
            mutant[m.index()] = m.mutantToken();
        }
        return mutant;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MutationSet other && other.mutations.equals(mutations);
    }

    @Override
    public int hashCode() {
        return mutations.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }

    private static List<Mutation> checked(List<Mutation> mutations, String text) {
        if (mutations.isEmpty()) {
            throw new InvalidInputException("empty mutation set: expected e.g. A42G or A42G:K50R");
        }
        Map<Integer, Mutation> bySite = new HashMap<>();
        for (Mutation m : mutations) {
            Mutation earlier = bySite.putIfAbsent(m.index(), m);
            if (earlier != null) {
                throw new InvalidInputException("mutation set '" + text + "': residue " + m.position()
                        + " (1-based) is mutated twice (" + earlier + " and " + m + ")");
            }
        }
        return mutations;
    }
}
