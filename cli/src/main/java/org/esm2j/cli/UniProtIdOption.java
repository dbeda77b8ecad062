package org.esm2j.cli;

import org.esm2j.function.labels.UniProtIds;
import picocli.CommandLine.Option;

/** {@code --uniprot-ids} of {@code split} and {@code predict}: key proteins by accession, as label files are. */
public final class UniProtIdOption {
    @Option(names = "--uniprot-ids", description = "Use the accession of UniProt FASTA ids (sp|P12345|NAME -> "
            + "P12345) as protein ids, matching labels keyed by accession.")
    boolean enabled;

    /** The protein id of a FASTA record's id: its accession with {@code --uniprot-ids}, else the id as written. */
    String proteinId(String fastaId) {
        return enabled ? UniProtIds.accessionOf(fastaId) : fastaId;
    }
}
