package org.esm2j.function.similarity;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.Esm2jException;
import org.esm2j.function.external.IndexedFasta;

/**
 * The tab-separated hits an external search writes, one line per alignment with three columns: query name, target
 * name and identity. Reading keeps the best hit (highest identity) of each query.
 */
public final class SearchHitsTsv {
    private SearchHitsTsv() {
    }

    /**
     * @param tool the program that wrote the file, named in errors
     * @param identityScale what turns the program's identity into a fraction (100 for percent, 1 for a fraction)
     * @param queries the queries under the names the program was given
     * @param targets the targets likewise
     */
    public static Map<String, IdentitySearch.Hit> readBest(Path file, String tool, double identityScale,
            IndexedFasta queries, IndexedFasta targets) {
        Map<String, IdentitySearch.Hit> best = new LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split("\t");
                double identity;
                try {
                    if (cells.length != 3) {
                        throw new NumberFormatException(cells.length + " columns");
                    }
                    identity = Double.parseDouble(cells[2]) / identityScale;
                } catch (NumberFormatException e) {
                    throw new Esm2jException(file + " line " + lineNumber + ": unexpected " + tool
                            + " search output '" + line + "' (expected query, target and identity)", e);
                }
                IdentitySearch.Hit hit = new IdentitySearch.Hit(targets.record(cells[1]).id(), identity);
                best.merge(queries.record(cells[0]).id(), hit, (a, b) -> b.identity() > a.identity() ? b : a);
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot read " + tool + " search output " + file + ": " + e.getMessage(), e);
        }
        return best;
    }
}
