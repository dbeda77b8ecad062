package org.esm2j.function.baseline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.external.ExternalProgram;
import org.esm2j.function.external.IndexedFasta;
import org.esm2j.function.external.ScratchFolder;
import org.esm2j.function.similarity.IdentitySearch;
import org.esm2j.function.similarity.SearchHitsTsv;

/**
 * Homology search with DIAMOND ({@code diamond makedb} then {@code diamond blastp --ultra-sensitive}; Debian package
 * diamond-aligner), E-value cut-off as given, identity from {@code pident} (percent of alignment columns identical).
 * Ultra-sensitive because {@code --more-sensitive} (DIAMOND 2.1.3) missed half of the ~55%-identical sibling pairs of
 * short generated families that the other searches find; baseline sets are small enough for the slower mode.
 */
public final class DiamondSearch implements IdentitySearch {
    static final String NAME = "diamond";

    private final ExternalProgram diamond;
    private final double maxEvalue;
    private final int threads;

    public DiamondSearch(Path executable, double maxEvalue, int threads) {
        this.diamond = new ExternalProgram(NAME, executable);
        this.maxEvalue = maxEvalue;
        this.threads = threads;
    }

    @Override
    public String method() {
        return "diamond blastp --ultra-sensitive (pident, E-value " + maxEvalue + ")";
    }

    @Override
    public Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets) {
        IndexedFasta queryFasta = new IndexedFasta(NAME, "q", queries);
        IndexedFasta targetFasta = new IndexedFasta(NAME, "t", targets);
        try (ScratchFolder dir = ScratchFolder.create(NAME)) {
            queryFasta.write(dir.resolve("queries.fasta"));
            targetFasta.write(dir.resolve("targets.fasta"));
            diamond.run(dir.path(), List.of("makedb", "--in", "targets.fasta", "--db", "targets", "--quiet"));
            diamond.run(dir.path(), List.of("blastp", "--query", "queries.fasta", "--db", "targets", "--out",
                    "hits.tsv", "--outfmt", "6", "qseqid", "sseqid", "pident", "--ultra-sensitive", "--evalue",
                    Double.toString(maxEvalue), "--threads", Integer.toString(threads), "--quiet"));
            return SearchHitsTsv.readBest(dir.resolve("hits.tsv"), NAME, 100.0, queryFasta, targetFasta);
        }
    }
}
