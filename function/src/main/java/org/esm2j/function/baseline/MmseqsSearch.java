package org.esm2j.function.baseline;

import java.nio.file.Path;
import java.util.List;

/**
 * Homology search with MMseqs2 ({@code mmseqs easy-search}, Debian package mmseqs2): sensitivity 7.5 (its highest
 * preset; the sets a function baseline searches are small next to what MMseqs2 is built for), E-value cut-off as
 * given, identity as {@code fident} (identical columns / alignment columns). MMseqs2 builds its k-mer index table
 * (about 0.9 GB) whatever the input size, which took 10-20 s on the loaded 2-core development machine even for a
 * dozen sequences; for a handful of short sequences {@link SmithWatermanSearch} is quicker.
 */
public final class MmseqsSearch implements HomologySearch {
    private final Path executable;
    private final double maxEvalue;
    private final int threads;

    public MmseqsSearch(Path executable, double maxEvalue, int threads) {
        this.executable = executable;
        this.maxEvalue = maxEvalue;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "mmseqs";
    }

    @Override
    public List<HomologyHit> search(List<String> queries, List<String> targets) {
        Path dir = ExternalTools.createWorkDir("mmseqs");
        try {
            ExternalTools.writeFasta(dir.resolve("queries.fasta"), ExternalTools.QUERY_PREFIX, queries);
            ExternalTools.writeFasta(dir.resolve("targets.fasta"), ExternalTools.TARGET_PREFIX, targets);
            ExternalTools.run(List.of(executable.toString(), "easy-search", "queries.fasta", "targets.fasta",
                    "hits.tsv", "tmp", "--format-output", "query,target,fident", "-s", "7.5", "-e",
                    Double.toString(maxEvalue), "--threads", Integer.toString(threads), "-v", "1"), dir);
            return ExternalTools.readHits(dir.resolve("hits.tsv"), 1.0);
        } finally {
            ExternalTools.deleteRecursively(dir);
        }
    }
}
