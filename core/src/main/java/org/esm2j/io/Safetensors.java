package org.esm2j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}}, then the raw tensor bytes. Tensors are
 * memory-mapped, never copied; every header field is validated against the file size before use.
 */
public final class Safetensors {
    /** Headers beyond this are refused; real ones are kilobytes. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA_KEY = "__metadata__";

    private Safetensors() {
    }

    /** The tensors (in header order) and the string metadata of one file. */
    public static final class Contents {
        private final Map<String, Tensor> tensors;
        private final Map<String, String> metadata;

        public Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
            this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        public Map<String, Tensor> tensors() {
            return tensors;
        }

        public Map<String, String> metadata() {
            return metadata;
        }

        public Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new CheckpointException("no tensor named '" + name + "'");
            }
            return t;
        }
    }

    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file.toString());
        } catch (NoSuchFileException e) {
            throw new CheckpointException("safetensors file not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Contents read(FileChannel ch, String source) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new CheckpointException(source + ": too short for a safetensors file (" + fileSize + " bytes)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8) {
            throw new CheckpointException(source + ": invalid safetensors header length " + headerLen
                    + " (file has " + fileSize + " bytes)");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8);
        String headerText = StandardCharsets.UTF_8.decode(headerBuf.flip()).toString();
        Map<String, Object> header;
        try {
            header = Json.parseObject(headerText.stripTrailing());
        } catch (Json.JsonException e) {
            throw new CheckpointException(source + ": malformed safetensors header: " + e.getMessage(), e);
        }
        long dataStart = 8 + headerLen;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            if (METADATA_KEY.equals(name)) {
                if (!(e.getValue() instanceof Map)) {
                    throw new CheckpointException(source + ": __metadata__ is not an object");
                }
                for (Map.Entry<?, ?> m : ((Map<?, ?>) e.getValue()).entrySet()) {
                    if (!(m.getValue() instanceof String)) {
                        throw new CheckpointException(source + ": __metadata__ value for '" + m.getKey()
                                + "' is not a string");
                    }
                    metadata.put((String) m.getKey(), (String) m.getValue());
                }
                continue;
            }
            tensors.put(name, readTensorEntry(ch, source, name, e.getValue(), dataStart, dataSize));
        }
        return new Contents(tensors, metadata);
    }

    private static Tensor readTensorEntry(FileChannel ch, String source, String name, Object entry, long dataStart,
            long dataSize) throws IOException {
        String where = source + ": tensor '" + name + "'";
        if (!(entry instanceof Map)) {
            throw new CheckpointException(where + ": header entry is not an object");
        }
        Map<?, ?> info = (Map<?, ?>) entry;
        Object dtypeName = info.get("dtype");
        DType dtype = dtypeName instanceof String ? DType.fromSafetensorsName((String) dtypeName) : null;
        if (dtype == null) {
            throw new CheckpointException(where + ": unsupported dtype " + dtypeName);
        }
        long[] shape = longList(info.get("shape"), where, "shape");
        long[] offsets = longList(info.get("data_offsets"), where, "data_offsets");
        if (offsets.length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataSize) {
            throw new CheckpointException(where + ": data_offsets " + java.util.Arrays.toString(offsets)
                    + " outside the data section of " + dataSize + " bytes");
        }
        long numel;
        try {
            numel = Tensor.numel(shape);
            Math.multiplyExact(numel, dtype.byteSize());
        } catch (IllegalArgumentException | ArithmeticException ex) {
            throw new CheckpointException(where + ": invalid shape " + java.util.Arrays.toString(shape));
        }
        long bytes = offsets[1] - offsets[0];
        if (numel * dtype.byteSize() != bytes) {
            throw new CheckpointException(where + ": shape " + java.util.Arrays.toString(shape) + " of " + dtype
                    + " needs " + numel * dtype.byteSize() + " bytes but data_offsets span " + bytes);
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new CheckpointException(where + ": tensors over 2 GiB are not supported (" + bytes + " bytes)");
        }
        ByteBuffer data = bytes == 0 ? ByteBuffer.allocate(0)
                : ch.map(FileChannel.MapMode.READ_ONLY, dataStart + offsets[0], bytes);
        return new Tensor(dtype, shape, data.order(ByteOrder.LITTLE_ENDIAN));
    }

    private static long[] longList(Object value, String where, String field) {
        if (!(value instanceof List)) {
            throw new CheckpointException(where + ": '" + field + "' is missing or not a list");
        }
        List<?> list = (List<?>) value;
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long)) {
                throw new CheckpointException(where + ": '" + field + "' holds a non-integer " + list.get(i));
            }
            out[i] = (Long) list.get(i);
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new CheckpointException("unexpected end of file");
            }
            pos += n;
        }
    }

    // --- writing

    /** Writes tensors (in map order) and metadata atomically to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, metadata));
    }

    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA_KEY, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        List<Tensor> order = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype().safetensorsName());
            info.put("shape", t.shape());
            info.put("data_offsets", new long[] {offset, offset + t.byteSize()});
            header.put(e.getKey(), info);
            offset += t.byteSize();
            order.add(t);
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keep the data section 8-byte aligned, as the Python writer does
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        out.write(prefix.array());
        byte[] chunk = new byte[1 << 16];
        for (Tensor t : order) {
            ByteBuffer b = t.bytes();
            while (b.hasRemaining()) {
                int n = Math.min(chunk.length, b.remaining());
                b.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
    }
}
