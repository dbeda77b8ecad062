package org.esm2j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.esm2j.InvalidInputException;
import org.esm2j.io.AtomicFiles;
import org.esm2j.io.Json;

/**
 * The state of a {@code --resume} run: a directory beside the output ({@code <out>.esm2j-resume}) holding a manifest
 * (a fingerprint of everything that decides the output bytes) and one shard per batch with the records that batch
 * completed, each shard made durable and renamed into place before the next batch starts. A run that dies loses at
 * most the batch in progress; the next run with the same inputs and options skips the saved records and, once every
 * record is saved, writes the output from the shards in input order and deletes the directory.
 */
final class ResumeStore {
    private static final String MANIFEST = "manifest.json";
    private static final String FORMAT = "esm2j-resume/1";
    private static final String SHARD_PREFIX = "shard-";
    private static final String SHARD_SUFFIX = ".bin";
    private static final int OPEN_SHARDS = 32;

    private final Path dir;
    private final Map<Integer, Path> shardOfRecord = new HashMap<>();
    private int nextShard;

    private ResumeStore(Path dir) {
        this.dir = dir;
    }

    static Path directoryFor(Path out) {
        return out.toAbsolutePath().resolveSibling(out.getFileName() + ".esm2j-resume");
    }

    /**
     * Opens the state an interrupted run left in {@code dir}, or starts one. State from a run with another
     * fingerprint is refused rather than mixed in.
     */
    static ResumeStore open(Path dir, String fingerprint, int records) throws IOException {
        ResumeStore store = new ResumeStore(dir);
        Path manifest = dir.resolve(MANIFEST);
        if (Files.exists(manifest)) {
            Map<String, Object> m = Json.parseObject(Files.readString(manifest, StandardCharsets.UTF_8));
            if (!FORMAT.equals(m.get("format")) || !fingerprint.equals(m.get("fingerprint"))) {
                throw new InvalidInputException("cannot resume from " + dir + ": it was started with other inputs, "
                        + "model or options; rerun with those, or delete the directory to start afresh");
            }
            store.loadShards();
        } else {
            Files.createDirectories(dir);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", FORMAT);
            m.put("fingerprint", fingerprint);
            m.put("records", records);
            byte[] json = Json.write(m).getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(manifest, out -> out.write(json));
        }
        return store;
    }

    Path directory() {
        return dir;
    }

    /** The records saved by earlier runs. */
    Set<Integer> done() {
        return Set.copyOf(shardOfRecord.keySet());
    }

    /** A sink that saves each batch's completed records as one durable shard. */
    OutputSink shardWriter() {
        return new OutputSink() {
            private ArraySpill shard;

            @Override
            public void put(int recordIndex, String recordId, String key, long[] shape, float[] values)
                    throws IOException {
                if (shard == null) {
                    shard = ArraySpill.createScratch(dir, ".shard-");
                }
                shard.append(recordIndex, recordId, key, shape, values);
            }

            @Override
            public void endBatch() throws IOException {
                if (shard == null) {
                    return;
                }
                Path target = dir.resolve(String.format("%s%06d%s", SHARD_PREFIX, nextShard++, SHARD_SUFFIX));
                Set<Integer> saved = Set.copyOf(shard.records());
                shard.commitTo(target);
                shard = null;
                saved.forEach(r -> shardOfRecord.put(r, target));
            }

            @Override
            public void finish(Map<String, String> metadata) {
            }

            @Override
            public void close() throws IOException {
                if (shard != null) {
                    shard.close(); // an unfinished batch: deleted, it will run again
                }
            }
        };
    }

    /** Hands every record to {@code target} in input order, from the shards. */
    void replayInOrder(int records, OutputSink target) throws IOException {
        Map<Path, ArraySpill> open = new LinkedHashMap<>(16, 0.75f, true);
        try {
            for (int r = 0; r < records; r++) {
                Path shard = shardOfRecord.get(r);
                if (shard == null) {
                    throw new IllegalStateException("record " + r + " is in no shard of " + dir);
                }
                ArraySpill spill = open.get(shard);
                if (spill == null) {
                    if (open.size() == OPEN_SHARDS) {
                        Path eldest = open.keySet().iterator().next();
                        open.remove(eldest).close();
                    }
                    spill = ArraySpill.open(shard);
                    open.put(shard, spill);
                }
                spill.replay(r, target);
                target.endRecord(r);
            }
        } finally {
            for (ArraySpill s : open.values()) {
                s.close();
            }
        }
    }

    /** Removes the directory once the output is in place. */
    void delete() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void loadShards() throws IOException {
        List<Path> shards = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, SHARD_PREFIX + "*" + SHARD_SUFFIX)) {
            files.forEach(shards::add);
        }
        shards.sort(Comparator.naturalOrder());
        for (Path shard : shards) {
            try (ArraySpill spill = ArraySpill.open(shard)) {
                for (int r : spill.records()) {
                    shardOfRecord.put(r, shard);
                }
            }
            String name = shard.getFileName().toString();
            int number = Integer.parseInt(name.substring(SHARD_PREFIX.length(), name.length() - SHARD_SUFFIX.length()));
            nextShard = Math.max(nextShard, number + 1);
        }
    }
}
