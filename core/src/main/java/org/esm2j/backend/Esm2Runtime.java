package org.esm2j.backend;

import java.util.List;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/** A model loaded into one backend. Thread-safe for concurrent {@link #forward} calls unless a backend says otherwise. */
public interface Esm2Runtime extends AutoCloseable {
    Esm2Config config();

    /**
     * Runs the model on a batch of token sequences, each already framed as {@code <cls> residues <eos>} (ids from
     * {@code org.esm2j.data.Alphabet}); lengths may differ. Results do not depend on what else is in the batch.
     */
    ForwardResult forward(List<int[]> tokens, ForwardRequest request);

    @Override
    void close();
}
