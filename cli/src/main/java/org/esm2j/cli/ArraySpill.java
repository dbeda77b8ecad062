package org.esm2j.cli;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.esm2j.io.ScratchFiles;

/**
 * A file of the arrays {@link OutputSink#put} receives, to be handed on later record by record: what lets outputs
 * leave in input order although records finish in batch order ({@link ReorderingSink}), and what a resumable run's
 * shards are made of ({@link ResumeStore}). Each entry is self-describing (record index, id, key, shape, float32
 * values, little-endian), so a finished file can be read back by another process.
 */
final class ArraySpill implements Closeable {
    private static final int ENTRY_MAGIC = 0x45534d41; // "ESMA": catches a truncated or foreign file on reading

    private record Entry(String recordId, String key, long[] shape, long valuesOffset, int count) {
    }

    private final Path file;
    private final FileChannel channel;
    private final boolean scratch;
    private final Map<Integer, List<Entry>> byRecord = new TreeMap<>();
    private long size;

    private ArraySpill(Path file, FileChannel channel, boolean scratch) {
        this.file = file;
        this.channel = channel;
        this.scratch = scratch;
    }

    /** A new, empty file, registered as scratch (deleted on close, or by the shutdown hook). */
    static ArraySpill createScratch(Path dir, String prefix) throws IOException {
        Path file = Files.createTempFile(dir, prefix, ".spill");
        ScratchFiles.register(file);
        return new ArraySpill(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE), true);
    }

    /** Reads the index of a finished file, e.g. a shard an earlier run committed. */
    static ArraySpill open(Path file) throws IOException {
        ArraySpill spill = new ArraySpill(file, FileChannel.open(file, StandardOpenOption.READ), false);
        try {
            spill.scan();
        } catch (IOException | RuntimeException e) {
            spill.close();
            throw new IOException("damaged output shard " + file + ": " + e.getMessage(), e);
        }
        return spill;
    }

    Path file() {
        return file;
    }

    boolean isEmpty() {
        return byRecord.isEmpty();
    }

    Set<Integer> records() {
        return byRecord.keySet();
    }

    void append(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException {
        byte[] id = recordId.getBytes(StandardCharsets.UTF_8);
        byte[] name = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = ByteBuffer.allocate(4 * 6 + id.length + name.length + 8 * shape.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(ENTRY_MAGIC).putInt(recordIndex).putInt(id.length).put(id).putInt(name.length).put(name)
                .putInt(shape.length);
        for (long dim : shape) {
            head.putLong(dim);
        }
        head.putInt(values.length).flip();
        ByteBuffer body = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(values);
        writeFully(head);
        long valuesOffset = size;
        writeFully(body);
        byRecord.computeIfAbsent(recordIndex, r -> new ArrayList<>())
                .add(new Entry(recordId, key, shape.clone(), valuesOffset, values.length));
    }

    /** Puts record {@code recordIndex}'s arrays into {@code sink}, in the order they were appended. */
    void replay(int recordIndex, OutputSink sink) throws IOException {
        List<Entry> entries = byRecord.remove(recordIndex);
        if (entries == null) {
            throw new IllegalStateException("record " + recordIndex + " is not in " + file);
        }
        for (Entry e : entries) {
            ByteBuffer bytes = ByteBuffer.allocate(e.count() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(bytes, e.valuesOffset());
            float[] values = new float[e.count()];
            bytes.flip();
            bytes.asFloatBuffer().get(values);
            sink.put(recordIndex, e.recordId(), e.key(), e.shape(), values);
        }
    }

    /** Makes the file durable and moves it to {@code target}: it stops being scratch. */
    void commitTo(Path target) throws IOException {
        channel.force(true);
        channel.close();
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        ScratchFiles.release(file);
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (scratch) {
                Files.deleteIfExists(file);
                ScratchFiles.release(file);
            }
        }
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            size += channel.write(buffer, size);
        }
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new EOFException("unexpected end of " + file + " at byte " + at);
            }
            at += n;
        }
    }

    private void scan() throws IOException {
        long end = channel.size();
        while (size < end) {
            if (readInt() != ENTRY_MAGIC) {
                throw new IOException("no array entry at byte " + (size - 4));
            }
            int recordIndex = readInt();
            String recordId = readString();
            String key = readString();
            int rank = readInt();
            long[] shape = new long[rank];
            for (int i = 0; i < rank; i++) {
                ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(b, size);
                size += 8;
                shape[i] = b.getLong(0);
            }
            int count = readInt();
            byRecord.computeIfAbsent(recordIndex, r -> new ArrayList<>())
                    .add(new Entry(recordId, key, shape, size, count));
            size += (long) count * Float.BYTES;
            if (size > end) {
                throw new EOFException("the last array ends past the end of the file");
            }
        }
    }

    private int readInt() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(b, size);
        size += 4;
        return b.getInt(0);
    }

    private String readString() throws IOException {
        int length = readInt();
        ByteBuffer b = ByteBuffer.allocate(length);
        readFully(b, size);
        size += length;
        return new String(b.array(), StandardCharsets.UTF_8);
    }
}
