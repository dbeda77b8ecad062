package org.esm2j.function.similarity;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.esm2j.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusterer and the identity search used together for a split and its leakage report: MMseqs2 when available,
 * else the pure-Java k-mer fallback (said in the log, because its identities are rougher).
 */
public record SimilarityBackend(SequenceClusterer clusterer, IdentitySearch search) {
    private static final Logger LOG = LoggerFactory.getLogger(SimilarityBackend.class);
    /** MMseqs2's usual coverage for clustering (both sequences 80% covered). */
    public static final double DEFAULT_COVERAGE = 0.8;

    public static SimilarityBackend mmseqs(Path binary, int threads, double coverage) {
        Mmseqs mmseqs = new Mmseqs(binary, threads);
        return new SimilarityBackend(new MmseqsClusterer(mmseqs, coverage), new MmseqsSearch(mmseqs));
    }

    public static SimilarityBackend kmerFallback() {
        return new SimilarityBackend(new KmerClusterer(), new KmerIdentitySearch());
    }

    /**
     * @param choice {@code auto} (MMseqs2 if found, else the fallback), {@code mmseqs} or {@code kmer}
     * @param binary an explicit mmseqs program, or null to look on the PATH
     */
    public static SimilarityBackend choose(String choice, Path binary, int threads, double coverage) {
        Optional<Path> found = binary != null ? Optional.of(binary) : Mmseqs.findOnPath();
        switch (choice.toLowerCase(Locale.ROOT)) {
            case "mmseqs" -> {
                return mmseqs(found.orElseThrow(() -> new InvalidInputException(
                        "mmseqs was asked for but is not on the PATH (install Debian's mmseqs2 or use --mmseqs)")),
                        threads, coverage);
            }
            case "kmer" -> {
                LOG.warn("using the pure-Java k-mer fallback for clustering and identity (asked for)");
                return kmerFallback();
            }
            case "auto" -> {
                if (found.isPresent()) {
                    LOG.info("using mmseqs at {}", found.get());
                    return mmseqs(found.get(), threads, coverage);
                }
                LOG.warn("mmseqs not found on the PATH: using the pure-Java k-mer fallback for clustering and "
                        + "identity (rougher below ~50% identity; install Debian's mmseqs2 for MMseqs2)");
                return kmerFallback();
            }
            default -> throw new InvalidInputException("unknown similarity tool '" + choice
                    + "' (expected auto, mmseqs or kmer)");
        }
    }
}
