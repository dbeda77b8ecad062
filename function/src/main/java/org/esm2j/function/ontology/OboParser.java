package org.esm2j.function.ontology;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the subset of OBO 1.2 that the Gene Ontology uses: {@code [Term]} stanzas with id, name, namespace, alt_id,
 * is_a, relationship, is_obsolete, replaced_by and consider. Other stanzas ({@code [Typedef]}) and other tags
 * (definitions, synonyms, xrefs) are skipped. Parent references are checked once the whole file is read, because a
 * term may name a parent defined further down.
 */
final class OboParser {
    private static final Logger LOG = LoggerFactory.getLogger(OboParser.class);
    private static final String PART_OF = "part_of";

    private final String sourceName;
    private final Map<String, GoTerm> termsById = new HashMap<>();
    private final Map<String, String> primaryIdOfAltId = new HashMap<>();
    private final Map<String, Integer> lineOfAltId = new HashMap<>();
    private final Map<String, List<String>> parentsById = new HashMap<>();
    /** Where each parent reference was made, to name the line when the parent turns out not to exist. */
    private final List<ParentReference> parentReferences = new ArrayList<>();
    private String dataVersion = "";
    private String defaultNamespace;
    private int lineNumber;
    private StanzaBuilder stanza; // the [Term] being read, or null outside one
    private boolean inOtherStanza;

    private record ParentReference(String child, String parent, int line) {
    }

    OboParser(String sourceName) {
        this.sourceName = sourceName;
    }

    GeneOntology parse(BufferedReader reader) throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            accept(lineNumber == 1 && line.startsWith("\uFEFF") ? line.substring(1) : line);
        }
        finishStanza();
        if (termsById.isEmpty()) {
            throw new InvalidInputException("OBO " + sourceName + " contains no [Term] stanzas");
        }
        for (ParentReference ref : parentReferences) {
            if (!termsById.containsKey(ref.parent)) {
                throw error(ref.line, "term " + ref.child + " names parent " + ref.parent + ", which the file does not "
                        + "define");
            }
        }
        for (Map.Entry<String, String> alt : primaryIdOfAltId.entrySet()) {
            if (termsById.containsKey(alt.getKey())) {
                throw error(lineOfAltId.get(alt.getKey()), "alt_id " + alt.getKey() + " of " + alt.getValue()
                        + " is also the id of a term");
            }
        }
        LOG.info("read {} GO terms ({} alt_ids) from {}", termsById.size(), primaryIdOfAltId.size(), sourceName);
        return new GeneOntology(termsById, primaryIdOfAltId, parentsById, dataVersion);
    }

    private void accept(String rawLine) {
        String line = rawLine.strip();
        if (line.isEmpty() || line.startsWith("!")) {
            return;
        }
        if (line.startsWith("[")) {
            finishStanza();
            if (line.equals("[Term]")) {
                stanza = new StanzaBuilder(lineNumber);
            } else {
                inOtherStanza = true;
            }
            return;
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw error(lineNumber, "expected 'tag: value', got '" + line + "'");
        }
        String tag = line.substring(0, colon);
        String value = line.substring(colon + 1).strip();
        if (stanza != null) {
            stanza.accept(tag, value);
        } else if (!inOtherStanza) {
            acceptHeader(tag, value);
        }
    }

    private void acceptHeader(String tag, String value) {
        switch (tag) {
            case "data-version" -> dataVersion = value;
            case "default-namespace" -> defaultNamespace = value;
            default -> {
                // format-version, ontology, remark, subsetdef...: nothing the graph needs
            }
        }
    }

    private void finishStanza() {
        if (stanza != null) {
            stanza.build();
        }
        stanza = null;
        inOtherStanza = false;
    }

    /** The identifier a reference value starts with; drops a trailing {@code ! comment} and {@code {modifiers}}. */
    private String reference(String value) {
        String id = value.split("[\\s!{]", 2)[0];
        if (id.isEmpty()) {
            throw error(lineNumber, "missing identifier in '" + value + "'");
        }
        return id;
    }

    private InvalidInputException error(int line, String message) {
        return new InvalidInputException(sourceName + ":" + line + ": " + message);
    }

    /** Tags of one [Term] stanza, collected until the next stanza starts. */
    private final class StanzaBuilder {
        private final int startLine;
        private final List<String> altIds = new ArrayList<>();
        private final List<Integer> altIdLines = new ArrayList<>();
        private final List<String> parents = new ArrayList<>();
        private final List<Integer> parentLines = new ArrayList<>();
        private final List<String> replacedBy = new ArrayList<>();
        private final List<String> consider = new ArrayList<>();
        private String id;
        private String name;
        private String namespace;
        private int namespaceLine;
        private boolean obsolete;

        StanzaBuilder(int startLine) {
            this.startLine = startLine;
        }

        void accept(String tag, String value) {
            switch (tag) {
                case "id" -> id = single(id, "id", reference(value));
                case "name" -> name = single(name, "name", value);
                case "namespace" -> {
                    namespace = single(namespace, "namespace", value);
                    namespaceLine = lineNumber;
                }
                case "alt_id" -> {
                    altIds.add(reference(value));
                    altIdLines.add(lineNumber);
                }
                case "is_a" -> addParent(reference(value));
                case "relationship" -> {
                    String[] typeAndTarget = value.split("\\s+", 2);
                    if (typeAndTarget.length < 2) {
                        throw error(lineNumber, "relationship needs a type and a target, got '" + value + "'");
                    }
                    if (typeAndTarget[0].equals(PART_OF)) {
                        addParent(reference(typeAndTarget[1]));
                    }
                }
                case "is_obsolete" -> obsolete = value.equals("true");
                case "replaced_by" -> replacedBy.add(reference(value));
                case "consider" -> consider.add(reference(value));
                default -> {
                    // def, synonym, xref, subset, comment...: not needed for labels or propagation
                }
            }
        }

        private void addParent(String parent) {
            parents.add(parent);
            parentLines.add(lineNumber);
        }

        private String single(String current, String tag, String value) {
            if (current != null) {
                throw error(lineNumber, "second '" + tag + "' in the [Term] stanza starting on line " + startLine);
            }
            return value;
        }

        void build() {
            if (id == null) {
                throw error(startLine, "[Term] stanza without an id");
            }
            String namespaceName = namespace != null ? namespace : defaultNamespace;
            if (namespaceName == null) {
                throw error(startLine, "term " + id + " has no namespace");
            }
            GoNamespace ns = GoNamespace.fromOboName(namespaceName);
            if (ns == null) {
                throw error(namespace != null ? namespaceLine : startLine, "term " + id + " has namespace '"
                        + namespaceName + "', expected molecular_function, biological_process or cellular_component");
            }
            GoTerm term = new GoTerm(id, name != null ? name : "", ns, obsolete, replacedBy, consider);
            if (termsById.putIfAbsent(id, term) != null) {
                throw error(startLine, "duplicate term id " + id);
            }
            for (int i = 0; i < altIds.size(); i++) {
                String previous = primaryIdOfAltId.putIfAbsent(altIds.get(i), id);
                if (previous != null && !previous.equals(id)) {
                    throw error(altIdLines.get(i), "alt_id " + altIds.get(i) + " of " + id + " is already an alt_id of "
                            + previous);
                }
                lineOfAltId.putIfAbsent(altIds.get(i), altIdLines.get(i));
            }
            if (!parents.isEmpty()) {
                parentsById.put(id, List.copyOf(parents));
                for (int i = 0; i < parents.size(); i++) {
                    parentReferences.add(new ParentReference(id, parents.get(i), parentLines.get(i)));
                }
            }
        }
    }
}
