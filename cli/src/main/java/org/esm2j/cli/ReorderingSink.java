package org.esm2j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Hands records to a streaming sink in input order although they finish in batch order (batches run shortest
 * first): the record due next goes straight through, any other is spilled to a scratch file beside the output and
 * handed on when its turn comes. Memory stays at one record; disk holds the records that finished early.
 */
final class ReorderingSink implements OutputSink {
    private final OutputSink target;
    private final Path scratchDir;
    private final Set<Integer> finishedEarly = new HashSet<>();
    private ArraySpill spill;
    private int next;

    ReorderingSink(OutputSink target, Path scratchDir) {
        this.target = target;
        this.scratchDir = scratchDir;
    }

    @Override
    public void put(int recordIndex, String recordId, String key, long[] shape, float[] values) throws IOException {
        if (recordIndex == next) {
            target.put(recordIndex, recordId, key, shape, values);
        } else {
            if (spill == null) {
                spill = ArraySpill.createScratch(scratchDir, ".esm2j-order-");
            }
            spill.append(recordIndex, recordId, key, shape, values);
        }
    }

    @Override
    public void endRecord(int recordIndex) throws IOException {
        if (recordIndex != next) {
            finishedEarly.add(recordIndex);
            return;
        }
        target.endRecord(next);
        next++;
        while (finishedEarly.remove(next)) {
            if (spill != null && spill.records().contains(next)) {
                spill.replay(next, target);
            }
            target.endRecord(next);
            next++;
        }
    }

    @Override
    public void endBatch() throws IOException {
        target.endBatch();
    }

    @Override
    public void finish(Map<String, String> metadata) throws IOException {
        if (!finishedEarly.isEmpty()) {
            throw new IllegalStateException("records " + finishedEarly + " came without every earlier record");
        }
        target.finish(metadata);
    }

    @Override
    public void close() throws IOException {
        if (spill != null) {
            spill.close();
        }
    }
}
