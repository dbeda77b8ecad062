package org.esm2j.data;

/**
 * One FASTA entry.
 *
 * @param id the header up to its first whitespace (what output files are named after); {@code seqnum<line>} for an
 *     empty header, see {@link FastaReader}
 * @param description the rest of the header after the id, trimmed; empty when there is none
 * @param sequence the sequence lines concatenated, each stripped of surrounding whitespace, case and characters kept
 *     as written; {@link Alphabet#encode} validates them
 */
public record FastaRecord(String id, String description, String sequence) {
}
