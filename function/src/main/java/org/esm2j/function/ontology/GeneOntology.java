package org.esm2j.function.ontology;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.esm2j.InvalidInputException;
import org.esm2j.io.TextInput;

/**
 * The Gene Ontology as a graph over {@code is_a} and {@code part_of}, the two relations along which an annotation
 * implies its ancestors (the CAFA "true path" rule). {@code regulates} and its variants are read past: a protein that
 * regulates a process is not thereby annotated with the process.
 *
 * <p>Lookups accept a primary id or an {@code alt_id}; an alt id stands for its primary term everywhere.
 */
public final class GeneOntology {
    private final Map<String, GoTerm> termsById;
    private final Map<String, String> primaryIdOfAltId;
    private final Map<String, List<String>> parentsById;
    private final String dataVersion;

    GeneOntology(Map<String, GoTerm> termsById, Map<String, String> primaryIdOfAltId,
            Map<String, List<String>> parentsById, String dataVersion) {
        this.termsById = Map.copyOf(termsById);
        this.primaryIdOfAltId = Map.copyOf(primaryIdOfAltId);
        this.parentsById = Map.copyOf(parentsById);
        this.dataVersion = dataVersion;
    }

    /** Reads an OBO 1.2 file, plain or gzip-compressed; errors name the file and line. */
    public static GeneOntology read(Path obo) {
        try (BufferedReader reader = TextInput.openReader(obo)) {
            return read(reader, obo.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("OBO file " + obo + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read OBO file " + obo + ": " + e.getMessage(), e);
        }
    }

    /** Reads OBO text; {@code sourceName} is used in error messages. */
    public static GeneOntology read(BufferedReader reader, String sourceName) throws IOException {
        return new OboParser(sourceName).parse(reader);
    }

    /** The term with this primary or alternative id; empty when the ontology has neither. */
    public Optional<GoTerm> term(String idOrAltId) {
        return Optional.ofNullable(termsById.get(primaryIdOf(idOrAltId)));
    }

    /** Every term, obsolete ones included, in no particular order. */
    public Collection<GoTerm> terms() {
        return Collections.unmodifiableCollection(termsById.values());
    }

    /** The ontology's {@code data-version} header (e.g. {@code releases/2022-07-01}), or empty when absent. */
    public String dataVersion() {
        return dataVersion;
    }

    /** The direct {@code is_a} and {@code part_of} parents of a term. */
    public List<String> parents(String idOrAltId) {
        return parentsById.getOrDefault(requireKnown(idOrAltId), List.of());
    }

    /**
     * The term itself and everything above it along {@code is_a} and {@code part_of}, up to and including its
     * namespace root. An obsolete term has no parents, so its set is the term alone.
     *
     * @throws IllegalArgumentException if the id is not in the ontology (check with {@link #term} first)
     */
    public Set<String> ancestors(String idOrAltId) {
        Set<String> closure = new LinkedHashSet<>();
        addAncestors(requireKnown(idOrAltId), closure);
        return closure;
    }

    /** The union of {@link #ancestors} over the given terms: an annotation set closed upwards. */
    public Set<String> propagate(Collection<String> idsOrAltIds) {
        Set<String> closure = new LinkedHashSet<>();
        for (String id : idsOrAltIds) {
            addAncestors(requireKnown(id), closure);
        }
        return closure;
    }

    private void addAncestors(String primaryId, Set<String> closure) {
        Deque<String> pending = new ArrayDeque<>();
        if (closure.add(primaryId)) {
            pending.push(primaryId);
        }
        while (!pending.isEmpty()) {
            for (String parent : parentsById.getOrDefault(pending.pop(), List.of())) {
                if (closure.add(parent)) {
                    pending.push(parent);
                }
            }
        }
    }

    private String primaryIdOf(String idOrAltId) {
        return primaryIdOfAltId.getOrDefault(idOrAltId, idOrAltId);
    }

    private String requireKnown(String idOrAltId) {
        String primary = primaryIdOf(idOrAltId);
        if (!termsById.containsKey(primary)) {
            throw new IllegalArgumentException("GO term " + idOrAltId + " is not in the ontology");
        }
        return primary;
    }
}
