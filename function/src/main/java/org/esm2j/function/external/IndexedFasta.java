package org.esm2j.function.external;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.esm2j.Esm2jException;
import org.esm2j.data.FastaRecord;

/**
 * Records handed to an external program under names made of a prefix and their index ({@code >q0}, {@code >q1}...),
 * because the programs rewrite headers (MMseqs2 shortens {@code sp|P12345|NAME} to {@code P12345}) and every id must
 * come back exactly: {@link #record} maps a name the program reports back to its record.
 */
public final class IndexedFasta {
    private final String tool;
    private final String prefix;
    private final List<FastaRecord> records;

    /** @param tool the program, named in the error about a name it reports that is not one of these */
    public IndexedFasta(String tool, String prefix, List<FastaRecord> records) {
        this.tool = tool;
        this.prefix = prefix;
        this.records = records;
    }

    public void write(Path file) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < records.size(); i++) {
                w.write('>');
                w.write(prefix);
                w.write(Integer.toString(i));
                w.write('\n');
                w.write(records.get(i).sequence());
                w.write('\n');
            }
        } catch (IOException e) {
            throw new Esm2jException("cannot write " + file + " for " + tool + ": " + e.getMessage(), e);
        }
    }

    /** The record written under {@code name}. */
    public FastaRecord record(String name) {
        try {
            if (!name.startsWith(prefix)) {
                throw new NumberFormatException("no prefix " + prefix);
            }
            return records.get(Integer.parseInt(name.substring(prefix.length())));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new Esm2jException(tool + " reported an unknown sequence '" + name + "'", e);
        }
    }

    public List<FastaRecord> records() {
        return records;
    }
}
