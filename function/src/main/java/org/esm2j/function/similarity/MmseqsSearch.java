package org.esm2j.function.similarity;

import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.external.IndexedFasta;
import org.esm2j.function.external.ScratchFolder;

/**
 * {@code mmseqs easy-search} of queries against targets with default sensitivity and E-value (1e-3); the identity is
 * mmseqs's {@code fident}, identical residues over the alignment length.
 */
public final class MmseqsSearch implements IdentitySearch {
    private final Mmseqs mmseqs;

    public MmseqsSearch(Mmseqs mmseqs) {
        this.mmseqs = mmseqs;
    }

    @Override
    public Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets) {
        IndexedFasta queryFasta = new IndexedFasta(Mmseqs.NAME, "", queries);
        IndexedFasta targetFasta = new IndexedFasta(Mmseqs.NAME, "", targets);
        try (ScratchFolder scratch = ScratchFolder.create(Mmseqs.NAME)) {
            queryFasta.write(scratch.resolve("query.fasta"));
            targetFasta.write(scratch.resolve("target.fasta"));
            mmseqs.run(scratch.path(), List.of("easy-search", "query.fasta", "target.fasta", "hits.m8", "tmp",
                    "--format-output", "query,target,fident", "--threads", Integer.toString(mmseqs.threads()),
                    "-v", "1"));
            return SearchHitsTsv.readBest(scratch.resolve("hits.m8"), Mmseqs.NAME, 1.0, queryFasta, targetFasta);
        }
    }

    @Override
    public String method() {
        return "mmseqs easy-search (fident, default sensitivity, E-value 1e-3)";
    }
}
