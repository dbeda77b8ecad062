package org.esm2j.function.similarity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaRecord;

/** {@link IdentitySearch} on {@link KmerIdentityEstimator} estimates, when MMseqs2 is not installed. */
public final class KmerIdentitySearch implements IdentitySearch {
    @Override
    public Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets) {
        KmerIdentityEstimator index = new KmerIdentityEstimator();
        List<String> targetIds = new ArrayList<>(targets.size());
        for (FastaRecord t : targets) {
            index.add(t.sequence());
            targetIds.add(t.id());
        }
        Map<String, Hit> hits = new LinkedHashMap<>();
        for (FastaRecord q : queries) {
            KmerIdentityEstimator.Estimate best = index.best(q.sequence());
            if (best != null) {
                hits.put(q.id(), new Hit(targetIds.get(best.target()), best.identity()));
            }
        }
        return hits;
    }

    @Override
    public String method() {
        return "esm2j k-mer fallback (ungapped best-diagonal identity over the shorter sequence)";
    }
}
