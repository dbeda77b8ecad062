package org.esm2j.function.similarity;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A partition of proteins into clusters, each named by its representative. */
public final class SequenceClusters {
    private final Map<String, String> representativeOf = new LinkedHashMap<>();
    private final Map<String, List<String>> membersOf = new LinkedHashMap<>();

    /** Puts {@code member} in the cluster of {@code representative} (a representative is a member of its own). */
    public void add(String representative, String member) {
        String previous = representativeOf.putIfAbsent(member, representative);
        if (previous != null) {
            throw new IllegalArgumentException("protein " + member + " is already in the cluster of " + previous);
        }
        membersOf.computeIfAbsent(representative, r -> new ArrayList<>()).add(member);
    }

    public String representativeOf(String protein) {
        return representativeOf.get(protein);
    }

    /** Representative -> members, in order of first appearance. */
    public Map<String, List<String>> clusters() {
        return Collections.unmodifiableMap(membersOf);
    }

    public int clusterCount() {
        return membersOf.size();
    }

    public int proteinCount() {
        return representativeOf.size();
    }
}
