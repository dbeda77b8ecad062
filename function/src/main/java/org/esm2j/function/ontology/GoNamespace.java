package org.esm2j.function.ontology;

import java.util.Locale;
import org.esm2j.InvalidInputException;

/** The three Gene Ontology sub-ontologies, each evaluated separately in CAFA. */
public enum GoNamespace {
    MF("molecular_function", 'F', "GO:0003674"),
    BP("biological_process", 'P', "GO:0008150"),
    CC("cellular_component", 'C', "GO:0005575");

    private final String oboName;
    private final char aspect;
    private final String rootId;

    GoNamespace(String oboName, char aspect, String rootId) {
        this.oboName = oboName;
        this.aspect = aspect;
        this.rootId = rootId;
    }

    /** The name in an OBO {@code namespace:} line, e.g. {@code molecular_function}. */
    public String oboName() {
        return oboName;
    }

    /** The aspect letter of GAF files and UniProt {@code DR GO} lines: F, P or C. */
    public char aspect() {
        return aspect;
    }

    /** The id of the namespace's root term (molecular_function GO:0003674 and so on). */
    public String rootId() {
        return rootId;
    }

    /** The namespace of an OBO {@code namespace:} value, or null when it is none of the three. */
    public static GoNamespace fromOboName(String name) {
        for (GoNamespace ns : values()) {
            if (ns.oboName.equals(name)) {
                return ns;
            }
        }
        return null;
    }

    /**
     * Parses a user's namespace choice: {@code mf}, {@code bp}, {@code cc} (any case) or the OBO name.
     *
     * @throws InvalidInputException naming the value and the accepted ones
     */
    public static GoNamespace parse(String text) {
        String t = text.strip();
        for (GoNamespace ns : values()) {
            if (ns.name().equalsIgnoreCase(t) || ns.oboName.equals(t.toLowerCase(Locale.ROOT))) {
                return ns;
            }
        }
        throw new InvalidInputException("unknown GO namespace '" + text + "' (expected mf, bp or cc)");
    }
}
