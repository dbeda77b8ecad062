package org.esm2j.function.baseline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.esm2j.data.FastaRecord;
import org.esm2j.function.similarity.IdentitySearch;

/**
 * The pure-Java fallback homology search: every query against every target with Smith-Waterman local alignment
 * (affine gaps, Gotoh), BLOSUM62 with gap open 11 and extend 1 (a gap of length k costs 11 + k, BLAST's default), and
 * significance from Karlin-Altschul statistics with BLAST's gapped parameters for that scoring (lambda 0.267, K 0.041):
 * E = K m N exp(-lambda S), with m the query length and N the total target length. Alignments with E at most the
 * cut-off count as hits, with the identity of the traced-back alignment. Quadratic in every pair, so meant for small sets (tests, a few
 * thousand short sequences); MMseqs2 is the tool for anything larger.
 */
public final class SmithWatermanSearch implements IdentitySearch {
    static final int GAP_OPEN = 11;
    static final int GAP_EXTEND = 1;
    private static final double LAMBDA = 0.267;
    private static final double K = 0.041;
    private static final String RESIDUES = "ARNDCQEGHILKMFPSTWYVX";
    private static final int[][] BLOSUM62 = readBlosum62();

    private final double maxEvalue;

    public SmithWatermanSearch(double maxEvalue) {
        this.maxEvalue = maxEvalue;
    }

    @Override
    public String method() {
        return "Java Smith-Waterman (BLOSUM62, gaps 11/1, E-value " + maxEvalue + ")";
    }

    /** Every query against every target; each query's best hit is its most identical significant alignment. */
    @Override
    public Map<String, Hit> bestHits(List<FastaRecord> queries, List<FastaRecord> targets) {
        List<byte[]> q = queries.stream().map(r -> encode(r.sequence())).toList();
        List<byte[]> t = targets.stream().map(r -> encode(r.sequence())).toList();
        long databaseLength = t.stream().mapToLong(s -> s.length).sum();
        Hit[] best = new Hit[q.size()];
        IntStream.range(0, q.size()).parallel().forEach(i -> {
            for (int j = 0; j < t.size(); j++) {
                Alignment a = align(q.get(i), t.get(j));
                double evalue = K * q.get(i).length * (double) databaseLength * Math.exp(-LAMBDA * a.score());
                if (a.columns() > 0 && evalue <= maxEvalue) {
                    double identity = (double) a.identities() / a.columns();
                    if (best[i] == null || identity > best[i].identity()) {
                        best[i] = new Hit(targets.get(j).id(), identity);
                    }
                }
            }
        });
        Map<String, Hit> out = new LinkedHashMap<>();
        for (int i = 0; i < best.length; i++) {
            if (best[i] != null) {
                out.put(queries.get(i).id(), best[i]);
            }
        }
        return out;
    }

    /** The best local alignment's score, identical columns and columns (matches, mismatches and gap positions). */
    record Alignment(int score, int identities, int columns) {
    }

    static Alignment align(String a, String b) {
        return align(encode(a), encode(b));
    }

    private static Alignment align(byte[] a, byte[] b) {
        int m = a.length;
        int n = b.length;
        int w = n + 1;
        int[] h = new int[(m + 1) * w];
        int[] e = new int[(m + 1) * w]; // best ending in a gap in a (moving along b)
        int[] f = new int[(m + 1) * w]; // best ending in a gap in b (moving along a)
        byte[] hFrom = new byte[(m + 1) * w]; // 0 start, 1 diagonal, 2 from e, 3 from f
        boolean[] eOpened = new boolean[(m + 1) * w];
        boolean[] fOpened = new boolean[(m + 1) * w];
        int negative = Integer.MIN_VALUE / 4;
        for (int j = 0; j <= n; j++) {
            e[j] = negative;
            f[j] = negative;
        }
        int best = 0;
        int bestCell = 0;
        for (int i = 1; i <= m; i++) {
            e[i * w] = negative;
            f[i * w] = negative;
            for (int j = 1; j <= n; j++) {
                int c = i * w + j;
                int openE = h[c - 1] - GAP_OPEN - GAP_EXTEND;
                int extendE = e[c - 1] - GAP_EXTEND;
                eOpened[c] = openE >= extendE;
                e[c] = Math.max(openE, extendE);
                int openF = h[c - w] - GAP_OPEN - GAP_EXTEND;
                int extendF = f[c - w] - GAP_EXTEND;
                fOpened[c] = openF >= extendF;
                f[c] = Math.max(openF, extendF);
                int diagonal = h[c - w - 1] + BLOSUM62[a[i - 1]][b[j - 1]];
                int v = 0;
                byte from = 0;
                if (diagonal > v) {
                    v = diagonal;
                    from = 1;
                }
                if (e[c] > v) {
                    v = e[c];
                    from = 2;
                }
                if (f[c] > v) {
                    v = f[c];
                    from = 3;
                }
                h[c] = v;
                hFrom[c] = from;
                if (v > best) {
                    best = v;
                    bestCell = c;
                }
            }
        }
        // Trace back from the best cell through the three matrices.
        int identities = 0;
        int columns = 0;
        int i = bestCell / w;
        int j = bestCell % w;
        int state = best > 0 ? 1 : 0; // 1 in h, 2 in e, 3 in f, 0 done
        while (state != 0) {
            int c = i * w + j;
            if (state == 1) {
                byte from = hFrom[c];
                if (from == 0) {
                    break;
                }
                if (from == 1) {
                    columns++;
                    if (a[i - 1] == b[j - 1]) {
                        identities++;
                    }
                    i--;
                    j--;
                    state = h[(i) * w + j] > 0 ? 1 : 0;
                } else {
                    state = from;
                }
            } else if (state == 2) {
                columns++;
                state = eOpened[c] ? 1 : 2;
                j--;
            } else {
                columns++;
                state = fOpened[c] ? 1 : 3;
                i--;
            }
        }
        return new Alignment(best, identities, columns);
    }

    private static byte[] encode(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            int k = RESIDUES.indexOf(Character.toUpperCase(s.charAt(i)));
            // B, Z, U, O and anything else score as the unknown residue X.
            out[i] = (byte) (k < 0 ? RESIDUES.length() - 1 : k);
        }
        return out;
    }

    /** BLOSUM62 over {@link #RESIDUES}, from the resource beside this class. */
    static int[][] readBlosum62() {
        try (InputStream in = SmithWatermanSearch.class.getResourceAsStream("blosum62.txt")) {
            if (in == null) {
                throw new IllegalStateException("blosum62.txt resource missing from the build");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            int size = RESIDUES.length();
            int[][] m = new int[size][size];
            String[] columns = null;
            int rows = 0;
            for (String line; (line = reader.readLine()) != null;) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                if (columns == null) {
                    columns = f;
                    continue;
                }
                int r = RESIDUES.indexOf(f[0]);
                for (int k = 1; k < f.length; k++) {
                    m[r][RESIDUES.indexOf(columns[k - 1])] = Integer.parseInt(f[k]);
                }
                rows++;
            }
            if (rows != size) {
                throw new IllegalStateException("blosum62.txt has " + rows + " rows, expected " + size);
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int substitution(char x, char y) {
        return BLOSUM62[RESIDUES.indexOf(x)][RESIDUES.indexOf(y)];
    }
}
