package org.esm2j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Sequence-level arrays as an Arrow IPC file (Feather v2), which pandas ({@code pd.read_feather}) and polars
 * ({@code pl.read_ipc}) read directly: a column {@code id} (string) and one column per array key, e.g.
 * {@code mean/33}, of fixed-size lists of D float32; one row per record in input order. The esm2j metadata is the
 * schema's custom metadata. Rows go out in Arrow record batches of {@value #ROWS_PER_BATCH}.
 */
final class ArrowTableSink implements OutputSink {
    static final String ID_COLUMN = "id";
    private static final int ROWS_PER_BATCH = 1024;

    private final OutputLayout layout;
    private final BufferAllocator allocator = new RootAllocator();
    private final VectorSchemaRoot root;
    private final ArrowFileWriter writer;
    private final List<String> pendingIds = new ArrayList<>();
    private final List<Map<String, float[]>> pendingRows = new ArrayList<>();
    private Map<String, float[]> currentRow = new HashMap<>();
    private int rowsWritten;

    ArrowTableSink(OutputStream out, OutputLayout layout, Map<String, String> metadata) throws IOException {
        this.layout = layout;
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(ID_COLUMN, FieldType.notNullable(new ArrowType.Utf8()), null));
        Field item = new Field("item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
                null);
        for (String key : layout.sequenceLevelKeys()) {
            fields.add(new Field(key, FieldType.notNullable(new ArrowType.FixedSizeList(layout.dim())), List.of(item)));
        }
        this.root = VectorSchemaRoot.create(new Schema(fields, metadata), allocator);
        this.writer = new ArrowFileWriter(root, null, Channels.newChannel(out));
        writer.start();
    }

    @Override
    public void put(int recordIndex, String recordId, String key, long[] shape, float[] values) {
        if (!layout.sequenceLevelKeys().contains(key) || values.length != layout.dim()) {
            throw new IllegalStateException("the Arrow table has no column for '" + key + "' of " + values.length
                    + " values");
        }
        currentRow.put(key, values);
    }

    @Override
    public void endRecord(int recordIndex) throws IOException {
        int row = rowsWritten + pendingRows.size();
        if (recordIndex != row || currentRow.size() != layout.sequenceLevelKeys().size()) {
            throw new IllegalStateException("record " + recordIndex + " with " + currentRow.keySet()
                    + " arrived where row " + row + " with " + layout.sequenceLevelKeys() + " was due");
        }
        pendingIds.add(layout.ids().get(recordIndex));
        pendingRows.add(currentRow);
        currentRow = new HashMap<>();
        if (pendingRows.size() == ROWS_PER_BATCH) {
            writeBatch();
        }
    }

    @Override
    public void finish(Map<String, String> metadata) throws IOException {
        if (!pendingRows.isEmpty() || rowsWritten == 0) {
            writeBatch();
        }
        writer.end();
    }

    private void writeBatch() throws IOException {
        int rows = pendingRows.size();
        int dim = layout.dim();
        root.allocateNew();
        VarCharVector ids = (VarCharVector) root.getVector(ID_COLUMN);
        for (int r = 0; r < rows; r++) {
            ids.setSafe(r, pendingIds.get(r).getBytes(StandardCharsets.UTF_8));
        }
        ids.setValueCount(rows);
        for (String key : layout.sequenceLevelKeys()) {
            FixedSizeListVector column = (FixedSizeListVector) root.getVector(key);
            Float4Vector values = (Float4Vector) column.getDataVector();
            for (int r = 0; r < rows; r++) {
                column.setNotNull(r);
                float[] row = pendingRows.get(r).get(key);
                for (int c = 0; c < dim; c++) {
                    values.setSafe(r * dim + c, row[c]);
                }
            }
            values.setValueCount(rows * dim);
            column.setValueCount(rows);
        }
        root.setRowCount(rows);
        writer.writeBatch();
        rowsWritten += rows;
        pendingIds.clear();
        pendingRows.clear();
    }

    @Override
    public void close() throws IOException {
        try {
            writer.close();
        } finally {
            root.close();
            allocator.close();
        }
    }
}
