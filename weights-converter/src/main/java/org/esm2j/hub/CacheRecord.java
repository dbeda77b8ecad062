package org.esm2j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;

/**
 * What a completed download was: its size and SHA-256, measured while it streamed in. Stored as
 * {@code <file>.manifest.json} beside the file so later runs can tell a cached file from a damaged one.
 *
 * @param fileName the cached file's name
 * @param url where it came from
 * @param size bytes
 * @param sha256 lower-case hex digest
 */
record CacheRecord(String fileName, String url, long size, String sha256) {
    static final String SUFFIX = ".manifest.json";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    CacheRecord {
        if (size < 0 || !SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("invalid download record for " + fileName + ": size " + size
                    + ", sha256 '" + sha256 + "'");
        }
    }

    static Path pathFor(Path file) {
        return file.resolveSibling(file.getFileName() + SUFFIX);
    }

    /** The record of {@code file}, or empty when there is none or it cannot be parsed (the file is then unverified). */
    static Optional<CacheRecord> read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(pathFor(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Map<String, Object> json = Json.parseObject(text);
            return Optional.of(new CacheRecord((String) json.get("file"), (String) json.get("url"),
                    ((Number) json.get("size")).longValue(), (String) json.get("sha256")));
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            return Optional.empty();
        }
    }

    void write(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("file", fileName);
        json.put("url", url);
        json.put("size", size);
        json.put("sha256", sha256);
        byte[] bytes = (Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(pathFor(file), out -> out.write(bytes));
    }
}
