package org.esm2j.function.similarity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A pure-Java estimate of sequence identity, used when MMseqs2 is not installed. Sequences are indexed by their
 * 3-mers; a query's shared 3-mers are counted per (target, diagonal), and for the targets with the densest diagonals
 * the identity is measured along that diagonal without gaps: identical residues on it divided by the shorter
 * sequence's length.
 *
 * <p>What it misses: homologs whose alignment needs gaps spread their matches over several diagonals, so their
 * identity is underestimated, and below about 40% identity few exact 3-mers survive. Use MMseqs2 for published
 * numbers; this keeps tests and small runs working without it.
 */
public final class KmerIdentityEstimator {
    static final int K = 3;
    private static final int ALPHABET = 20;
    private static final String RESIDUES = "ACDEFGHIKLMNPQRSTVWY";
    private static final int MIN_DIAGONAL_HITS = 2;
    /** Targets whose best diagonal is measured; the densest diagonal is nearly always the best identity. */
    private static final int CANDIDATES = 8;
    private static final byte[] CODE = new byte[128];
    /** Added to diagonals (query position minus target position) so they pack as non-negative ints. */
    private static final int DIAGONAL_OFFSET = 1 << 30;

    static {
        Arrays.fill(CODE, (byte) -1);
        for (int i = 0; i < RESIDUES.length(); i++) {
            CODE[RESIDUES.charAt(i)] = (byte) i;
            CODE[Character.toLowerCase(RESIDUES.charAt(i))] = (byte) i;
        }
    }

    private final List<byte[]> targets = new ArrayList<>();
    private final long[][] postings = new long[pow(ALPHABET, K)][];
    private final int[] postingCounts = new int[postings.length];

    /**
     * @param target the target's index in the order of {@link #add} calls
     * @param identity the estimated identity
     */
    public record Estimate(int target, double identity) {
    }

    /** Adds a target; returns its index. */
    public int add(String sequence) {
        byte[] encoded = encode(sequence);
        int id = targets.size();
        targets.add(encoded);
        for (int pos = 0; pos + K <= encoded.length; pos++) {
            int kmer = kmerAt(encoded, pos);
            if (kmer >= 0) {
                long[] list = postings[kmer];
                if (list == null) {
                    list = new long[4];
                    postings[kmer] = list;
                } else if (postingCounts[kmer] == list.length) {
                    list = Arrays.copyOf(list, list.length * 2);
                    postings[kmer] = list;
                }
                list[postingCounts[kmer]++] = (long) id << 32 | pos;
            }
        }
        return id;
    }

    public int size() {
        return targets.size();
    }

    /** The target with the highest estimated identity to the query, or null when no target shares a diagonal. */
    public Estimate best(String query) {
        byte[] q = encode(query);
        // every shared 3-mer as (target, diagonal) packed in a long; sorted, equal keys are hits on one diagonal
        long[] hits = new long[64];
        int hitCount = 0;
        for (int i = 0; i + K <= q.length; i++) {
            int kmer = kmerAt(q, i);
            if (kmer < 0) {
                continue;
            }
            long[] list = postings[kmer];
            for (int h = 0; h < postingCounts[kmer]; h++) {
                if (hitCount == hits.length) {
                    hits = Arrays.copyOf(hits, hitCount * 2);
                }
                long target = list[h] >>> 32;
                int diagonal = i - (int) list[h];
                hits[hitCount++] = target << 32 | (diagonal + DIAGONAL_OFFSET);
            }
        }
        Arrays.sort(hits, 0, hitCount);
        // per target its densest diagonal: (hits << 32 | target) so that sorting ranks by hits
        List<long[]> densest = new ArrayList<>();
        int run = 0;
        for (int h = 0; h < hitCount; h++) {
            run++;
            boolean lastOfDiagonal = h + 1 == hitCount || hits[h + 1] != hits[h];
            if (lastOfDiagonal) {
                int target = (int) (hits[h] >>> 32);
                int diagonal = (int) (hits[h] & 0xffffffffL) - DIAGONAL_OFFSET;
                long[] last = densest.isEmpty() ? null : densest.get(densest.size() - 1);
                if (run >= MIN_DIAGONAL_HITS) {
                    if (last != null && last[0] == target) {
                        if (run > last[1]) {
                            last[1] = run;
                            last[2] = diagonal;
                        }
                    } else {
                        densest.add(new long[] {target, run, diagonal});
                    }
                }
                run = 0;
            }
        }
        densest.sort((a, b) -> a[1] != b[1] ? Long.compare(b[1], a[1]) : Long.compare(a[0], b[0]));
        Estimate best = null;
        for (long[] candidate : densest.subList(0, Math.min(CANDIDATES, densest.size()))) {
            double identity = diagonalIdentity(q, targets.get((int) candidate[0]), (int) candidate[2]);
            if (best == null || identity > best.identity()) {
                best = new Estimate((int) candidate[0], identity);
            }
        }
        return best;
    }

    /** Identical residues where query position i faces target position i - diagonal, over the shorter length. */
    static double diagonalIdentity(byte[] query, byte[] target, int diagonal) {
        int start = Math.max(0, diagonal);
        int end = Math.min(query.length, target.length + diagonal);
        int matches = 0;
        for (int i = start; i < end; i++) {
            byte a = query[i];
            if (a >= 0 && a == target[i - diagonal]) {
                matches++;
            }
        }
        return (double) matches / Math.min(query.length, target.length);
    }

    private static byte[] encode(String sequence) {
        byte[] encoded = new byte[sequence.length()];
        for (int i = 0; i < encoded.length; i++) {
            char c = sequence.charAt(i);
            encoded[i] = c < CODE.length ? CODE[c] : -1;
        }
        return encoded;
    }

    private static int kmerAt(byte[] encoded, int pos) {
        int code = 0;
        for (int j = 0; j < K; j++) {
            byte r = encoded[pos + j];
            if (r < 0) {
                return -1; // unknown residues (X, B, Z...) match nothing
            }
            code = code * ALPHABET + r;
        }
        return code;
    }

    private static int pow(int base, int exponent) {
        int result = 1;
        for (int i = 0; i < exponent; i++) {
            result *= base;
        }
        return result;
    }
}
