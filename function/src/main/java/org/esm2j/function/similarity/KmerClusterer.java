package org.esm2j.function.similarity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.esm2j.data.FastaRecord;

/**
 * Greedy incremental clustering on {@link KmerIdentityEstimator} identities, the CD-HIT scheme: sequences taken
 * longest first; each joins the most similar representative at or above the identity, or founds a new cluster.
 */
public final class KmerClusterer implements SequenceClusterer {
    @Override
    public SequenceClusters cluster(List<FastaRecord> sequences, double minIdentity) {
        List<FastaRecord> longestFirst = new ArrayList<>(sequences);
        longestFirst.sort(Comparator.comparingInt((FastaRecord r) -> r.sequence().length()).reversed()
                .thenComparing(FastaRecord::id));
        KmerIdentityEstimator representatives = new KmerIdentityEstimator();
        List<String> representativeIds = new ArrayList<>();
        SequenceClusters clusters = new SequenceClusters();
        for (FastaRecord r : longestFirst) {
            KmerIdentityEstimator.Estimate best = representatives.best(r.sequence());
            if (best != null && best.identity() >= minIdentity) {
                clusters.add(representativeIds.get(best.target()), r.id());
            } else {
                representatives.add(r.sequence());
                representativeIds.add(r.id());
                clusters.add(r.id(), r.id());
            }
        }
        return clusters;
    }

    @Override
    public String method() {
        return "esm2j k-mer fallback (greedy, ungapped best-diagonal identity over the shorter sequence)";
    }
}
