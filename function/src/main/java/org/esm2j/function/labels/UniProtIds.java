package org.esm2j.function.labels;

/** UniProt identifiers as they appear in FASTA headers. */
public final class UniProtIds {
    private UniProtIds() {
    }

    /**
     * The accession in a UniProtKB FASTA id ({@code sp|P12345|NAME_HUMAN} or {@code tr|A0A0B4J2F2|...} gives
     * {@code P12345}), so sequences match labels keyed by primary accession; any other id is returned as it is.
     */
    public static String accessionOf(String fastaId) {
        if ((fastaId.startsWith("sp|") || fastaId.startsWith("tr|")) && fastaId.indexOf('|', 3) > 3) {
            return fastaId.substring(3, fastaId.indexOf('|', 3));
        }
        return fastaId;
    }
}
