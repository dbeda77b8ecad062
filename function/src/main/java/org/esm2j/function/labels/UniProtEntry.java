package org.esm2j.function.labels;

import java.time.LocalDate;
import java.util.List;

/**
 * The parts of a UniProtKB flat-file entry that function labels need.
 *
 * @param accession the primary accession (first on the first AC line)
 * @param secondaryAccessions the other accessions, older names of the same entry
 * @param goAnnotations the DR GO lines, with evidence codes
 * @param ecNumbers the EC= numbers of the DE lines, in order, without repeats
 * @param integrated the DT date the entry entered UniProtKB (null when absent)
 * @param lastAnnotated the DT date of the last entry version, the latest annotation change (null when absent)
 * @param sequence the SQ residues
 */
public record UniProtEntry(String accession, List<String> secondaryAccessions, List<GoAnnotation> goAnnotations,
        List<EcNumber> ecNumbers, LocalDate integrated, LocalDate lastAnnotated, String sequence) {
    public UniProtEntry {
        secondaryAccessions = List.copyOf(secondaryAccessions);
        goAnnotations = List.copyOf(goAnnotations);
        ecNumbers = List.copyOf(ecNumbers);
    }
}
