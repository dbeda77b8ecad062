package org.esm2j.function.baseline;

import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the homology search to use: MMseqs2 when on the PATH, else DIAMOND, else the pure-Java fallback (logged). */
public final class HomologySearches {
    private static final Logger LOG = LoggerFactory.getLogger(HomologySearches.class);
    /** The E-value cut-off of every search by default: MMseqs2's and a common BLAST-baseline choice. */
    public static final double DEFAULT_MAX_EVALUE = 1e-3;

    private HomologySearches() {
    }

    /** The best search available here, with the default E-value cut-off and all processors. */
    public static HomologySearch detect() {
        int threads = Runtime.getRuntime().availableProcessors();
        Optional<Path> mmseqs = ExternalTools.findOnPath("mmseqs");
        if (mmseqs.isPresent()) {
            LOG.info("homology search: MMseqs2 at {}", mmseqs.get());
            return new MmseqsSearch(mmseqs.get(), DEFAULT_MAX_EVALUE, threads);
        }
        Optional<Path> diamond = ExternalTools.findOnPath("diamond");
        if (diamond.isPresent()) {
            LOG.info("homology search: DIAMOND at {} (mmseqs not on the PATH)", diamond.get());
            return new DiamondSearch(diamond.get(), DEFAULT_MAX_EVALUE, threads);
        }
        LOG.warn("homology search: neither mmseqs nor diamond is on the PATH; using the pure-Java Smith-Waterman"
                + " fallback, which compares every pair and suits only small sets (install the mmseqs2 package)");
        return new SmithWatermanSearch(DEFAULT_MAX_EVALUE);
    }
}
