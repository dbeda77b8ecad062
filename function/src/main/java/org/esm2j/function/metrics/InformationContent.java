package org.esm2j.function.metrics;

import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Information content of terms, estimated from a training set's annotations, for S-min.
 *
 * <p>Two definitions, chosen by whether the ontology is known:
 * <ul>
 *   <li>{@link #fromOntology} follows CAFA: ic(f) = -log2 P(f | Pa(f)), with Pa(f) the direct parents of f (is_a and
 *       part_of) and P(f | Pa(f)) = (proteins annotated with f and every parent) / (proteins annotated with every
 *       parent). The annotations are propagated to all ancestors first (a no-op on propagated input), as the
 *       definition assumes. A root has no parents and gets 0: every protein annotated in a namespace carries its
 *       root.</li>
 *   <li>{@link #fromFrequencies} needs no ontology: ic(f) = -log2(n_f / N), with n_f the training proteins annotated
 *       with f and N the training proteins with at least one annotation. It equals the CAFA value only for a term
 *       whose parents annotate every protein, and is larger otherwise.</li>
 * </ul>
 * A term no training protein carries has no estimate; it gets 0 (it neither costs nor earns anything in S-min), and
 * {@link #unseenTerms} counts the lookups that fell back to it so a caller can report them.
 */
public final class InformationContent {
    private final Map<String, Double> ic;

    private InformationContent(Map<String, Double> ic) {
        this.ic = ic;
    }

    /** Frequency-based IC: -log2(n_f / N) over the training annotations (protein -> terms). */
    public static InformationContent fromFrequencies(Map<String, ? extends Collection<String>> training) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        int proteins = 0;
        for (Collection<String> terms : training.values()) {
            if (terms.isEmpty()) {
                continue;
            }
            proteins++;
            for (String t : new HashSet<>(terms)) {
                counts.merge(t, 1, Integer::sum);
            }
        }
        Map<String, Double> ic = new HashMap<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            ic.put(e.getKey(), bits((double) e.getValue() / proteins));
        }
        return new InformationContent(ic);
    }

    /**
     * CAFA's IC: -log2 P(f | Pa(f)) over the training annotations (protein -> terms).
     *
     * @param parents   a term's direct parents over is_a and part_of (empty for a root)
     * @param ancestors a term's ancestors over is_a and part_of, to propagate the annotations
     */
    public static InformationContent fromOntology(Map<String, ? extends Collection<String>> training,
            Function<String, ? extends Collection<String>> parents,
            Function<String, ? extends Collection<String>> ancestors) {
        Map<String, BitSet> annotated = new HashMap<>();
        int protein = 0;
        for (Collection<String> terms : training.values()) {
            Set<String> propagated = new HashSet<>(terms);
            for (String t : terms) {
                propagated.addAll(ancestors.apply(t));
            }
            for (String t : propagated) {
                annotated.computeIfAbsent(t, x -> new BitSet()).set(protein);
            }
            protein++;
        }
        Map<String, Double> ic = new HashMap<>();
        for (Map.Entry<String, BitSet> e : annotated.entrySet()) {
            Collection<String> pa = parents.apply(e.getKey());
            if (pa.isEmpty()) {
                ic.put(e.getKey(), 0.0);
                continue;
            }
            BitSet withParents = null;
            for (String p : pa) {
                BitSet bits = annotated.getOrDefault(p, new BitSet());
                if (withParents == null) {
                    withParents = (BitSet) bits.clone();
                } else {
                    withParents.and(bits);
                }
            }
            // Propagation puts every parent on a protein annotated with f, so f's proteins are a subset.
            int given = withParents.cardinality();
            int both = e.getValue().cardinality();
            ic.put(e.getKey(), bits((double) both / given));
        }
        return new InformationContent(ic);
    }

    /** From precomputed values (a saved table, or a test); terms absent from the map get 0. */
    public static InformationContent of(Map<String, Double> values) {
        return new InformationContent(Map.copyOf(values));
    }

    /** ic(term); 0 for a term the training annotations never carry. */
    public double of(String term) {
        return ic.getOrDefault(term, 0.0);
    }

    /** Of the given terms, how many have no estimate. */
    public long unseenTerms(Collection<String> terms) {
        return terms.stream().filter(t -> !ic.containsKey(t)).count();
    }

    /** -log2(p); 0.0 - x rather than -x, so that p = 1 gives 0.0 and not -0.0. */
    private static double bits(double p) {
        return 0.0 - Math.log(p) / Math.log(2);
    }
}
