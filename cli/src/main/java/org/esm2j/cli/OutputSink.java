package org.esm2j.cli;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;

/**
 * Where per-record float32 arrays go as they are computed. A sink is opened on the stream of a temporary file that
 * {@link OutputFormat#write} renames into place only after {@link #finish}, so a failed run leaves no partial output.
 */
interface OutputSink extends Closeable {
    /**
     * Adds the array {@code <recordId>/<key>}. A record's arrays arrive together, followed by {@link #endRecord}.
     *
     * @param recordIndex the record's position in the input, so formats that can order their entries keep input order
     * @param shape row-major dimensions of {@code values}
     */
    void put(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException;

    /** Record {@code recordIndex} has no more arrays to come. */
    default void endRecord(int recordIndex) throws IOException {
    }

    /** The forward pass of one batch and every record it completed have been handed over. */
    default void endBatch() throws IOException {
    }

    /** Writes what remains (headers, metadata, directory). {@code metadata} values are strings, JSON where structured. */
    void finish(Map<String, String> metadata) throws IOException;
}
