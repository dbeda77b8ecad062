package org.esm2j.function.labels;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.esm2j.InvalidInputException;

/**
 * Which GO evidence codes count. CAFA keeps experimental annotations only (EXP IDA IPI IMP IGI IEP TAS IC), so
 * electronic (IEA) and sequence-similarity (ISS...) annotations cannot leak a homology-transferred answer into the
 * ground truth.
 *
 * @param codes the accepted codes, upper case; null means every code is accepted
 */
public record EvidenceFilter(Set<String> codes) {
    public static final Set<String> EXPERIMENTAL_CODES = Set.of("EXP", "IDA", "IPI", "IMP", "IGI", "IEP", "TAS", "IC");
    public static final EvidenceFilter EXPERIMENTAL = new EvidenceFilter(EXPERIMENTAL_CODES);
    public static final EvidenceFilter ALL = new EvidenceFilter(null);

    public EvidenceFilter {
        codes = codes == null ? null : Set.copyOf(codes);
    }

    /** {@code experimental}, {@code all}, or a comma-separated list of codes such as {@code IDA,IMP}. */
    public static EvidenceFilter parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("experimental")) {
            return EXPERIMENTAL;
        }
        if (t.equals("all")) {
            return ALL;
        }
        Set<String> codes = Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
        if (codes.isEmpty() || !codes.stream().allMatch(c -> c.matches("[A-Z]{2,4}"))) {
            throw new InvalidInputException("evidence filter '" + text + "' is not 'experimental', 'all' or a list "
                    + "of evidence codes such as IDA,IMP");
        }
        return new EvidenceFilter(codes);
    }

    public boolean accepts(String evidenceCode) {
        return codes == null || codes.contains(evidenceCode);
    }
}
