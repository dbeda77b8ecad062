package org.esm2j.function.similarity;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.esm2j.Esm2jException;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.external.IndexedFasta;
import org.esm2j.function.external.ScratchFolder;

/**
 * Clusters with {@code mmseqs easy-cluster --min-seq-id X -c C --cov-mode 0}: members share a cluster when their
 * alignment reaches the identity and covers at least fraction C of both sequences.
 */
public final class MmseqsClusterer implements SequenceClusterer {
    private final Mmseqs mmseqs;
    private final double coverage;

    public MmseqsClusterer(Mmseqs mmseqs, double coverage) {
        if (!(coverage >= 0 && coverage <= 1)) {
            throw new IllegalArgumentException("coverage must be in [0, 1], got " + coverage);
        }
        this.mmseqs = mmseqs;
        this.coverage = coverage;
    }

    @Override
    public SequenceClusters cluster(List<FastaRecord> sequences, double minIdentity) {
        IndexedFasta input = new IndexedFasta(Mmseqs.NAME, "", sequences);
        try (ScratchFolder scratch = ScratchFolder.create(Mmseqs.NAME)) {
            input.write(scratch.resolve("in.fasta"));
            mmseqs.run(scratch.path(), List.of("easy-cluster", "in.fasta", "clu", "tmp",
                    "--min-seq-id", String.format(Locale.ROOT, "%.4f", minIdentity),
                    "-c", String.format(Locale.ROOT, "%.4f", coverage), "--cov-mode", "0",
                    "--threads", Integer.toString(mmseqs.threads()), "-v", "1"));
            return readClusters(scratch.resolve("clu_cluster.tsv"), input);
        }
    }

    /** {@code representative<TAB>member} lines; every input must appear exactly once. */
    private static SequenceClusters readClusters(Path tsv, IndexedFasta sequences) {
        SequenceClusters clusters = new SequenceClusters();
        try (BufferedReader reader = Files.newBufferedReader(tsv, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                String[] cells = line.split("\t");
                if (cells.length != 2) {
                    throw new Esm2jException("unexpected line in mmseqs cluster output: '" + line + "'");
                }
                clusters.add(sequences.record(cells[0]).id(), sequences.record(cells[1]).id());
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot read mmseqs cluster output " + tsv + ": " + e.getMessage(), e);
        }
        Set<String> ids = new HashSet<>();
        sequences.records().forEach(r -> ids.add(r.id()));
        if (clusters.proteinCount() != ids.size() || !ids.stream().allMatch(id -> clusters.representativeOf(id)
                != null)) {
            throw new Esm2jException("mmseqs clustered " + clusters.proteinCount() + " sequences, expected "
                    + ids.size());
        }
        return clusters;
    }

    @Override
    public String method() {
        return "mmseqs easy-cluster (coverage " + coverage + ", cov-mode 0)";
    }
}
