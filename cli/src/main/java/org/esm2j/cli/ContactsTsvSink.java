package org.esm2j.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Contact maps as text: the header {@code record<TAB>i<TAB>j<TAB>probability}, then one line per residue pair
 * {@code i < j} (1-based; the maps are symmetric), records in computation order. A pair that no window covered
 * (with {@code --window}) reads {@code NaN}. No metadata: the format has nowhere to put it.
 */
final class ContactsTsvSink implements OutputSink {
    static final String HEADER = "record\ti\tj\tprobability";
    static final String CONTACTS_KEY = "contacts";

    private final Writer out;

    ContactsTsvSink(OutputStream stream) throws IOException {
        this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
        out.write(HEADER);
        out.write('\n');
    }

    @Override
    public void put(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException {
        if (!key.equals(CONTACTS_KEY) || shape.length != 2 || shape[0] != shape[1]) {
            throw new IllegalStateException("the TSV format holds square contact maps only, not '" + key + "'");
        }
        int n = (int) shape[0];
        StringBuilder line = new StringBuilder(64);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                line.setLength(0);
                line.append(recordId).append('\t').append(i + 1).append('\t').append(j + 1).append('\t')
                        .append(values[i * n + j]).append('\n');
                out.write(line.toString());
            }
        }
    }

    @Override
    public void finish(Map<String, String> metadata) throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
