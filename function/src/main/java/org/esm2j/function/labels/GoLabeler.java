package org.esm2j.function.labels;

import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.esm2j.function.ontology.GeneOntology;
import org.esm2j.function.ontology.GoNamespace;
import org.esm2j.function.ontology.GoTerm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns stated GO annotations into training and evaluation labels, in this order: the evidence filter; alt_ids to
 * their primary term; an obsolete term to its single {@code replaced_by} term, or dropped when it has none or several
 * (a {@code consider} suggestion needs a curator, so it is never applied); the namespace filter; then propagation to
 * every ancestor over is_a and part_of, roots included (the CAFA rule). Ids the ontology does not know are an error
 * naming their origin, or skipped and counted when asked.
 */
public final class GoLabeler {
    private static final Logger LOG = LoggerFactory.getLogger(GoLabeler.class);

    /**
     * @param evidence which evidence codes count (annotations without a code, as from a labels TSV, always count)
     * @param namespaces the sub-ontologies to keep
     * @param skipUnknown skip and count ids the ontology lacks instead of failing
     */
    public record Options(EvidenceFilter evidence, Set<GoNamespace> namespaces, boolean skipUnknown) {
        public Options {
            namespaces = Set.copyOf(namespaces);
        }

        public static Options defaults() {
            return new Options(EvidenceFilter.EXPERIMENTAL, EnumSet.allOf(GoNamespace.class), false);
        }
    }

    /** What happened to the annotations; pair counts are distinct (protein, term) pairs. */
    public record Counts(int annotations, int droppedByEvidence, int altIdsMapped, int obsoleteReplaced,
            int obsoleteDropped, int unknownSkipped, int outsideNamespaces, Map<GoNamespace, Integer> statedPairs,
            Map<GoNamespace, Integer> propagatedPairs) {
        public Counts {
            statedPairs = Map.copyOf(statedPairs);
            propagatedPairs = Map.copyOf(propagatedPairs);
        }
    }

    /**
     * @param stated the kept annotations after mapping, before propagation
     * @param propagated the same closed over ancestors
     */
    public record Result(ProteinLabels stated, ProteinLabels propagated, Counts counts) {
    }

    private final GeneOntology ontology;
    private final Options options;

    public GoLabeler(GeneOntology ontology, Options options) {
        this.ontology = ontology;
        this.options = options;
    }

    public Result label(Collection<GoAnnotation> annotations) {
        ProteinLabels stated = new ProteinLabels();
        int droppedByEvidence = 0;
        int altIdsMapped = 0;
        int obsoleteReplaced = 0;
        int obsoleteDropped = 0;
        int unknownSkipped = 0;
        int outsideNamespaces = 0;
        Set<String> warnedUnknown = new HashSet<>();
        for (GoAnnotation a : annotations) {
            if (!a.evidence().isEmpty() && !options.evidence().accepts(a.evidence())) {
                droppedByEvidence++;
                continue;
            }
            Optional<GoTerm> found = ontology.term(a.termId());
            if (found.isEmpty()) {
                if (!options.skipUnknown()) {
                    throw new InvalidInputException(a.origin() + ": GO term " + a.termId() + " is not in the "
                            + "ontology (neither a term id nor an alt_id)");
                }
                if (warnedUnknown.add(a.termId())) {
                    LOG.warn("{}: skipped unknown GO term {}", a.origin(), a.termId());
                }
                unknownSkipped++;
                continue;
            }
            GoTerm term = found.get();
            if (!term.id().equals(a.termId())) {
                altIdsMapped++;
            }
            if (term.obsolete()) {
                Optional<GoTerm> replacement = replacement(term);
                if (replacement.isEmpty()) {
                    obsoleteDropped++;
                    continue;
                }
                obsoleteReplaced++;
                term = replacement.get();
            }
            if (!options.namespaces().contains(term.namespace())) {
                outsideNamespaces++;
                continue;
            }
            stated.add(a.protein(), term.id());
        }
        ProteinLabels propagated = new ProteinLabels();
        for (String protein : stated.proteins()) {
            for (String id : ontology.propagate(stated.labels(protein))) {
                propagated.add(protein, id);
            }
        }
        Counts counts = new Counts(annotations.size(), droppedByEvidence, altIdsMapped, obsoleteReplaced,
                obsoleteDropped, unknownSkipped, outsideNamespaces, pairsByNamespace(stated),
                pairsByNamespace(propagated));
        LOG.info("GO labels: {} annotations, {} dropped by evidence, {} alt_ids mapped, {} obsolete replaced, {} "
                + "obsolete dropped, {} unknown skipped, {} outside namespaces; pairs stated {} -> propagated {}",
                counts.annotations(), droppedByEvidence, altIdsMapped, obsoleteReplaced, obsoleteDropped,
                unknownSkipped, outsideNamespaces, counts.statedPairs(), counts.propagatedPairs());
        return new Result(stated, propagated, counts);
    }

    /** The (protein, term) pairs of each namespace. */
    public Map<GoNamespace, Integer> pairsByNamespace(ProteinLabels labels) {
        Map<GoNamespace, Integer> counts = new EnumMap<>(GoNamespace.class);
        for (GoNamespace ns : GoNamespace.values()) {
            counts.put(ns, 0);
        }
        for (String protein : labels.proteins()) {
            for (String id : labels.labels(protein)) {
                counts.merge(ontology.term(id).orElseThrow().namespace(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private Optional<GoTerm> replacement(GoTerm obsolete) {
        List<String> replacedBy = obsolete.replacedBy();
        if (replacedBy.size() != 1) {
            return Optional.empty();
        }
        return ontology.term(replacedBy.get(0)).filter(t -> !t.obsolete());
    }
}
