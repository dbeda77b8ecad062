package org.esm2j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Npy;
import org.esm2j.tensor.DType;

/**
 * One sequence-level array per record as a single (N, D) float32 {@code .npy} matrix, row i = record i of the input,
 * plus the ids, one a line, in a text file beside it ({@code x.npy} -> {@code x.ids.txt}): the compact form for
 * many proteins ({@code np.load} gives the matrix at once, no per-record lookups). Rows must arrive in input order.
 */
final class NpyTableSink implements OutputSink {
    private final OutputStream out;
    private final Path idsFile;
    private final OutputLayout layout;
    private int rows;

    NpyTableSink(OutputStream out, Path idsFile, OutputLayout layout) throws IOException {
        if (layout.sequenceLevelKeys().size() != 1) {
            throw new IllegalArgumentException("an .npy table holds one array per record, not "
                    + layout.sequenceLevelKeys());
        }
        this.out = out;
        this.idsFile = idsFile;
        this.layout = layout;
        out.write(Npy.header(DType.F32, new long[] {layout.ids().size(), layout.dim()}));
    }

    /** {@code x.npy} -> {@code x.ids.txt}. */
    static Path idsFileFor(Path npy) {
        String name = String.valueOf(npy.getFileName());
        String stem = name.toLowerCase(java.util.Locale.ROOT).endsWith(".npy") ? name.substring(0, name.length() - 4)
                : name;
        return npy.resolveSibling(stem + ".ids.txt");
    }

    @Override
    public void put(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException {
        if (recordIndex != rows || values.length != layout.dim()) {
            throw new IllegalStateException("row " + recordIndex + " (" + key + ", " + values.length
                    + " values) arrived where row " + rows + " of width " + layout.dim() + " was due");
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
        rows++;
    }

    @Override
    public void finish(Map<String, String> metadata) throws IOException {
        if (rows != layout.ids().size()) {
            throw new IllegalStateException(rows + " rows written, " + layout.ids().size() + " records expected");
        }
        StringBuilder ids = new StringBuilder();
        for (String id : layout.ids()) {
            ids.append(id).append('\n');
        }
        AtomicFiles.write(idsFile, o -> o.write(ids.toString().getBytes(StandardCharsets.UTF_8)));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
