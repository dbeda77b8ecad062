package org.esm2j.function.split;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.function.labels.ProteinLabels;

/**
 * Splits by date, as CAFA does: what was known before a cutoff trains, what came after tests. Proteins dated before
 * {@code validFrom} go to train, from {@code validFrom} up to {@code testFrom} to valid, on or after {@code testFrom}
 * to test. Without a valid cutoff there is no valid part.
 */
public final class TemporalSplitter {
    private TemporalSplitter() {
    }

    /**
     * @param validFrom the first day of the valid period, or null for train/test only
     * @param testFrom the first day of the test period
     * @throws InvalidInputException when a protein has no date, naming how many and the first
     */
    public static SplitAssignment split(Collection<String> proteins, ProteinLabels dates, LocalDate validFrom,
            LocalDate testFrom) {
        if (validFrom != null && !validFrom.isBefore(testFrom)) {
            throw new IllegalArgumentException("valid cutoff " + validFrom + " must come before test cutoff "
                    + testFrom);
        }
        List<String> undated = new ArrayList<>();
        SplitAssignment split = new SplitAssignment();
        for (String protein : proteins) {
            LocalDate date = dates.date(protein).orElse(null);
            if (date == null) {
                undated.add(protein);
                continue;
            }
            String part = !date.isBefore(testFrom) ? "test"
                    : validFrom != null && !date.isBefore(validFrom) ? "valid" : "train";
            split.assign(protein, part);
        }
        if (!undated.isEmpty()) {
            throw new InvalidInputException(undated.size() + " proteins have no date for a temporal split, e.g. "
                    + undated.get(0) + " (give a date column in the labels TSV)");
        }
        return split;
    }
}
