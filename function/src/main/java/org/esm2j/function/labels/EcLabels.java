package org.esm2j.function.labels;

import java.util.Collection;
import org.esm2j.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EC numbers as labels at every level: a protein with 1.1.1.49 is labelled EC:1.-.-.-, EC:1.1.-.-, EC:1.1.1.- and
 * EC:1.1.1.49, so a predictor is scored at each depth, and a partial number (1.1.-.-) labels only its known levels.
 */
public final class EcLabels {
    private static final Logger LOG = LoggerFactory.getLogger(EcLabels.class);

    private EcLabels() {
    }

    /** The EC labels of UniProt entries (from their DE {@code EC=} lines), keyed by primary accession. */
    public static ProteinLabels fromEntries(Collection<UniProtEntry> entries) {
        ProteinLabels labels = new ProteinLabels();
        for (UniProtEntry e : entries) {
            for (EcNumber ec : e.ecNumbers()) {
                ec.levelLabels().forEach(l -> labels.add(e.accession(), l));
            }
        }
        return labels;
    }

    /**
     * The EC labels of labels-TSV rows whose label is an EC number ({@code 1.1.1.1}, {@code EC:1.1.-.-}). A label that
     * is not one is an error naming its row, or skipped and counted in the log when asked.
     */
    public static ProteinLabels fromRows(Collection<LabelTableReader.Row> rows, boolean skipBad) {
        ProteinLabels labels = new ProteinLabels();
        int skipped = 0;
        for (LabelTableReader.Row row : rows) {
            EcNumber ec;
            try {
                ec = EcNumber.parse(row.label());
            } catch (InvalidInputException e) {
                if (!skipBad) {
                    throw new InvalidInputException(row.origin() + ": " + e.getMessage(), e);
                }
                LOG.warn("{}: skipped: {}", row.origin(), e.getMessage());
                skipped++;
                continue;
            }
            ec.levelLabels().forEach(l -> labels.add(row.protein(), l));
        }
        if (skipped > 0) {
            LOG.warn("skipped {} labels that are not EC numbers", skipped);
        }
        return labels;
    }
}
