package org.esm2j.function.similarity;

import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaRecord;

/** For each query, the most similar target by sequence identity. */
public interface IdentitySearch {
    /**
     * @param target the closest target's id
     * @param identity its sequence identity to the query, in [0, 1]
     */
    record Hit(String target, double identity) {
    }

    /** The best hit of each query that has one; queries without a detectable hit are absent. */
    Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets);

    /** How identities are measured, for logs and reports. */
    String method();
}
