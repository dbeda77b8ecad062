package org.esm2j.function.similarity;

import java.util.List;
import org.esm2j.data.FastaRecord;

/** Groups sequences so that members of different clusters are below a sequence identity. */
public interface SequenceClusterer {
    /**
     * @param minIdentity sequence identity in (0, 1] at or above which sequences share a cluster
     */
    SequenceClusters cluster(List<FastaRecord> sequences, double minIdentity);

    /** How identities are measured, for logs and reports. */
    String method();
}
