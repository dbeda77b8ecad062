package org.esm2j.function.baseline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.IdentitySearch;

/**
 * Homology search with DIAMOND ({@code diamond makedb} then {@code diamond blastp --ultra-sensitive}; Debian package
 * diamond-aligner), E-value cut-off as given, identity from {@code pident} (percent of alignment columns identical).
 * Ultra-sensitive because {@code --more-sensitive} (DIAMOND 2.1.3) missed half of the ~55%-identical sibling pairs of
 * short generated families that the other searches find; baseline sets are small enough for the slower mode.
 */
public final class DiamondSearch implements IdentitySearch {
    private final Path executable;
    private final double maxEvalue;
    private final int threads;

    public DiamondSearch(Path executable, double maxEvalue, int threads) {
        this.executable = executable;
        this.maxEvalue = maxEvalue;
        this.threads = threads;
    }

    @Override
    public String method() {
        return "diamond blastp --ultra-sensitive (pident, E-value " + maxEvalue + ")";
    }

    @Override
    public Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets) {
        Path dir = ExternalTools.createWorkDir("diamond");
        try {
            ExternalTools.writeFasta(dir.resolve("queries.fasta"), ExternalTools.QUERY_PREFIX, queries);
            ExternalTools.writeFasta(dir.resolve("targets.fasta"), ExternalTools.TARGET_PREFIX, targets);
            String tool = executable.toString();
            ExternalTools.run(List.of(tool, "makedb", "--in", "targets.fasta", "--db", "targets", "--quiet"), dir);
            ExternalTools.run(List.of(tool, "blastp", "--query", "queries.fasta", "--db", "targets", "--out",
                    "hits.tsv", "--outfmt", "6", "qseqid", "sseqid", "pident", "--ultra-sensitive", "--evalue",
                    Double.toString(maxEvalue), "--threads", Integer.toString(threads), "--quiet"), dir);
            return ExternalTools.readBestHits(dir.resolve("hits.tsv"), 100.0, queries, targets);
        } finally {
            ExternalTools.deleteRecursively(dir);
        }
    }
}
