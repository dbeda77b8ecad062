package org.esm2j.function.ontology;

import java.util.List;
import java.util.Objects;

/**
 * One GO term as the OBO file states it.
 *
 * @param id primary id, {@code GO:} plus seven digits
 * @param name the term's name
 * @param namespace its sub-ontology
 * @param obsolete whether the term is marked {@code is_obsolete: true}
 * @param replacedBy the {@code replaced_by} terms of an obsolete term (a safe one-to-one replacement when exactly one)
 * @param consider the {@code consider} terms of an obsolete term (suggestions, never applied automatically)
 */
public record GoTerm(String id, String name, GoNamespace namespace, boolean obsolete, List<String> replacedBy,
        List<String> consider) {
    public GoTerm {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
        replacedBy = List.copyOf(replacedBy);
        consider = List.copyOf(consider);
    }
}
