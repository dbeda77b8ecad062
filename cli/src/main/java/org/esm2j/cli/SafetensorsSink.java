package org.esm2j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.esm2j.io.Json;
import org.esm2j.io.ScratchFiles;

/**
 * Streams outputs into one safetensors file. Its header must list every tensor's offsets before the data, and records
 * finish in batch (length) order, so each array goes to a scratch data file beside the output as soon as it is
 * computed; {@link #finish} writes the header, with records in input order, and copies the data behind it. Memory
 * therefore stays at one batch whatever the FASTA size; the price is disk space for the data twice until the end.
 */
final class SafetensorsSink implements OutputSink {
    private record Entry(int recordIndex, String name, long[] shape, long scratchOffset, long bytes) {
    }

    private final OutputStream out;
    private final Path scratchFile;
    private final FileChannel scratch;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private long scratchSize;

    SafetensorsSink(OutputStream out, Path scratchDir) throws IOException {
        this.out = out;
        this.scratchFile = Files.createTempFile(scratchDir, ".esm2j-", ".data");
        ScratchFiles.register(scratchFile); // removed by the shutdown hook if the run is interrupted
        this.scratch = FileChannel.open(scratchFile, StandardOpenOption.WRITE, StandardOpenOption.READ);
    }

    @Override
    public void put(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException {
        String name = recordId + "/" + key;
        if (!names.add(name)) {
            throw new IllegalStateException("output '" + name + "' written twice");
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        long offset = scratchSize;
        while (bytes.hasRemaining()) {
            scratchSize += scratch.write(bytes, scratchSize);
        }
        entries.add(new Entry(recordIndex, name, shape.clone(), offset, values.length * (long) Float.BYTES));
    }

    @Override
    public void finish(Map<String, String> metadata) throws IOException {
        List<Entry> ordered = new ArrayList<>(entries);
        ordered.sort(Comparator.comparingInt(Entry::recordIndex)); // stable: a record's keys keep their order
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Entry e : ordered) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, offset + e.bytes()});
            header.put(e.name(), info);
            offset += e.bytes();
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // 8-byte aligned data, as the reference writer does
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        out.write(prefix.array());
        WritableByteChannel target = Channels.newChannel(out);
        for (Entry e : ordered) {
            long done = 0;
            while (done < e.bytes()) {
                done += scratch.transferTo(e.scratchOffset() + done, e.bytes() - done, target);
            }
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            scratch.close();
        } finally {
            Files.deleteIfExists(scratchFile);
            ScratchFiles.release(scratchFile);
        }
    }
}
