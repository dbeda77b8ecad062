package org.esm2j.function.baseline;

import java.nio.file.Path;
import java.util.Optional;
import org.esm2j.function.external.ExternalProgram;
import org.esm2j.function.similarity.IdentitySearch;
import org.esm2j.function.similarity.Mmseqs;
import org.esm2j.function.similarity.SimilarityBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the search of the similarity baseline: MMseqs2 when on the PATH, else DIAMOND, else the pure-Java
 * Smith-Waterman fallback, which is logged (it aligns every pair, so it suits only small sets; the k-mer estimator
 * of {@code similarity} is the quick alternative for large ones).
 */
public final class BaselineSearches {
    private static final Logger LOG = LoggerFactory.getLogger(BaselineSearches.class);
    /** The E-value cut-off of the DIAMOND and Java searches: MMseqs2's default. */
    public static final double DEFAULT_MAX_EVALUE = 1e-3;

    private BaselineSearches() {
    }

    public static IdentitySearch detect(int threads) {
        Optional<Path> mmseqs = Mmseqs.findOnPath();
        if (mmseqs.isPresent()) {
            LOG.info("similarity baseline: MMseqs2 at {}", mmseqs.get());
            return SimilarityBackend.mmseqs(mmseqs.get(), threads, SimilarityBackend.DEFAULT_COVERAGE).search();
        }
        Optional<Path> diamond = ExternalProgram.findOnPath(DiamondSearch.NAME);
        if (diamond.isPresent()) {
            LOG.info("similarity baseline: DIAMOND at {} (mmseqs not on the PATH)", diamond.get());
            return new DiamondSearch(diamond.get(), DEFAULT_MAX_EVALUE, threads);
        }
        LOG.warn("similarity baseline: neither mmseqs nor diamond is on the PATH; using the pure-Java Smith-Waterman"
                + " fallback, which aligns every pair and suits only small sets (install Debian's mmseqs2)");
        return new SmithWatermanSearch(DEFAULT_MAX_EVALUE);
    }
}
