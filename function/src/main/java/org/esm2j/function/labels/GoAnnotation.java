package org.esm2j.function.labels;

/**
 * One stated GO annotation before any mapping or propagation.
 *
 * @param protein the protein's id (a UniProt primary accession for flat files)
 * @param termId the GO id as written, possibly an alt_id or an obsolete term
 * @param evidence the evidence code (IDA, IEA...), or empty when the source gives none
 * @param origin where it was read, {@code file:line}, for error messages
 */
public record GoAnnotation(String protein, String termId, String evidence, String origin) {
}
