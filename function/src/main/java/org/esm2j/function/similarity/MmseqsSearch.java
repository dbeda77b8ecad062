package org.esm2j.function.similarity;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.Esm2jException;
import org.esm2j.data.FastaRecord;

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
        Path scratch = Mmseqs.createScratch();
        try {
            Mmseqs.writeFasta(scratch.resolve("query.fasta"), queries);
            Mmseqs.writeFasta(scratch.resolve("target.fasta"), targets);
            mmseqs.run(scratch, List.of("easy-search", "query.fasta", "target.fasta", "hits.m8", "tmp",
                    "--format-output", "query,target,fident", "--threads", Integer.toString(mmseqs.threads()),
                    "-v", "1"));
            return readBestHits(scratch.resolve("hits.m8"), queries, targets);
        } finally {
            Mmseqs.deleteScratch(scratch);
        }
    }

    private static Map<String, Hit> readBestHits(Path m8, List<FastaRecord> queries,
            List<FastaRecord> targets) {
        Map<String, Hit> best = new LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(m8, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                String[] cells = line.split("\t");
                if (cells.length != 3) {
                    throw new Esm2jException("unexpected line in mmseqs search output: '" + line + "'");
                }
                Hit hit = new Hit(Mmseqs.recordOf(targets, cells[1]).id(), Double.parseDouble(cells[2]));
                best.merge(Mmseqs.recordOf(queries, cells[0]).id(), hit,
                        (a, b) -> b.identity() > a.identity() ? b : a);
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot read mmseqs search output " + m8 + ": " + e.getMessage(), e);
        }
        return best;
    }

    @Override
    public String method() {
        return "mmseqs easy-search (fident, default sensitivity, E-value 1e-3)";
    }
}
