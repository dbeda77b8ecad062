package org.esm2j.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Backend;
import org.esm2j.backend.Backends;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.data.Alphabet;
import org.esm2j.data.SequenceWindows;
import org.esm2j.data.TokenBudgetBatcher;
import org.esm2j.hub.DownloadListener;
import org.esm2j.hub.ModelHub;
import org.esm2j.hub.ReleasedModel;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;

/**
 * ESM-2 for sequence strings, in three lines:
 *
 * <pre>{@code
 * try (Esm2 esm = Esm2.load(Path.of("esm2_t6_8M_UR50D.pt"))) {
 *     float[] embedding = esm.embed("MKTAYIAKQR").mean();
 * }
 * }</pre>
 *
 * <p>A model comes from a local checkpoint ({@link #load(Path)}: Meta's {@code .pt}, a Hugging Face folder or an esm2j
 * {@code .safetensors}; never touches the network) or a released name ({@link #load(String)}, downloaded once into the
 * model cache; {@code facebook/NAME} takes the Hugging Face copy, checked against its published SHA-256). Sequences are
 * tokenized, framed, cut by the request's length policy and batched by token budget here; results come back per
 * sequence in input order, with shapes ({@link SequenceOutput}, {@link Matrix}).
 *
 * <p>Thread-safe: any number of threads may call {@link #embed} and {@link #run} at once (results do not depend on
 * what else runs). {@link #close} waits for running calls and frees the model; every later call throws
 * {@link IllegalStateException}. {@link #model()} gives the low-level {@link Esm2Model} for token-level work.
 */
public final class Esm2 implements AutoCloseable {
    /** Padded tokens per forward pass; bounds memory, results do not depend on it. */
    public static final int DEFAULT_TOKENS_PER_BATCH = 4096;
    private static final Esm2Request LAST_LAYER = Esm2Request.builder().build();

    private final Esm2Model model;
    private final String source;
    private final int tokensPerBatch;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle

    private Esm2(Esm2Model model, String source, int tokensPerBatch) {
        this.model = model;
        this.source = source;
        this.tokensPerBatch = tokensPerBatch;
    }

    /** Loads a local checkpoint (offline) into the backend chosen by {@code -Desm2j.backend} (default auto). */
    public static Esm2 load(Path checkpoint) {
        return loader().load(checkpoint);
    }

    /** Loads a released model by name, e.g. {@code esm2_t33_650M_UR50D} or {@code facebook/esm2_t33_650M_UR50D}. */
    public static Esm2 load(String modelName) {
        return loader().load(modelName);
    }

    /** Options for loading: backend, model cache, offline mode, download progress, batch size. */
    public static Loader loader() {
        return new Loader();
    }

    public Esm2Config config() {
        return guarded(model::config);
    }

    /** The backend the model runs on, e.g. "cpu" or "cuda". */
    public String backendName() {
        return guarded(model::backendName);
    }

    /** Whether contacts can be requested (the checkpoint came with contact-regression weights). */
    public boolean hasContactHead() {
        return guarded(model::hasContactHead);
    }

    /** The last layer's representations of one sequence. */
    public SequenceOutput embed(String sequence) {
        return run(sequence, LAST_LAYER);
    }

    /** The last layer's representations of each sequence, in input order, batched by token budget. */
    public List<SequenceOutput> embed(List<String> sequences) {
        return run(sequences, LAST_LAYER);
    }

    public SequenceOutput run(String sequence, Esm2Request request) {
        return run(List.of(sequence), request).get(0);
    }

    /**
     * Runs the model on many sequences; an input error names the sequence by its index in {@code sequences}.
     *
     * @throws InvalidInputException for an empty sequence, an unknown residue (unless the request maps it), a sequence
     *     over the length limit (unless the request truncates or windows it), a layer outside the model, or contacts
     *     from a model without contact-regression weights
     */
    public List<SequenceOutput> run(List<String> sequences, Esm2Request request) {
        Objects.requireNonNull(sequences, "sequences");
        Objects.requireNonNull(request, "request");
        return guarded(() -> compute(sequences, request));
    }

    /**
     * The low-level model (framed token ids in, {@link ForwardResult} out), for what the facade does not offer, such as
     * attention maps. Closing this {@code Esm2} closes it; do not close it yourself.
     */
    public Esm2Model model() {
        return guarded(() -> model);
    }

    /** Waits for running calls, then frees the model; later calls throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                model.close();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "Esm2(" + source + ")";
    }

    private <T> T guarded(Supplier<T> action) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException(this + " is closed");
            }
            return action.get();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    // --- the work: tokenize, cut, batch, run, reassemble

    /** One window of one sequence, as it runs through the model. */
    private record Segment(int sequence, int window, int[] tokens) {
    }

    /** Per-window pieces of one sequence, merged once every window has run. */
    private static final class Pieces {
        final SequenceWindows windows;
        final SortedMap<Integer, float[][]> rows = new TreeMap<>(); // layer -> [window] (n_w, D)
        final SortedMap<Integer, float[]> bos = new TreeMap<>(); // layer -> (D), from the first window
        final float[][] logits; // [window] (n_w, V)
        final float[][] contacts; // [window] (n_w, n_w)

        Pieces(SequenceWindows windows) {
            this.windows = windows;
            this.logits = new float[windows.count()][];
            this.contacts = new float[windows.count()][];
        }
    }

    private List<SequenceOutput> compute(List<String> sequences, Esm2Request request) {
        Esm2Config config = model.config();
        SortedSet<Integer> layers = ForwardRequest.resolveLayers(request.layers(), config.numLayers());
        ForwardRequest forward = ForwardRequest.builder().representations(layers).logits(request.logits())
                .contacts(request.contacts()).build();

        List<Pieces> pieces = new ArrayList<>(sequences.size());
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            String name = "sequence " + i;
            String text = Objects.requireNonNull(sequences.get(i), name);
            int[] residues = Alphabet.encode(text, name, request.unknownResidues());
            if (residues.length == 0) {
                throw new InvalidInputException(name + " has no residues");
            }
            SequenceWindows windows = request.lengthPolicy().apply(name, residues);
            pieces.add(new Pieces(windows));
            for (int w = 0; w < windows.count(); w++) {
                segments.add(new Segment(i, w, Alphabet.frame(windows.tokens(w))));
            }
        }

        int[] lengths = segments.stream().mapToInt(s -> s.tokens().length).toArray();
        int d = config.embedDim();
        int vocab = config.vocabSize();
        for (int[] batch : TokenBudgetBatcher.batches(lengths, tokensPerBatch)) {
            List<int[]> tokens = new ArrayList<>(batch.length);
            for (int s : batch) {
                tokens.add(segments.get(s).tokens());
            }
            ForwardResult result = model.forward(tokens, forward);
            for (int b = 0; b < batch.length; b++) {
                Segment s = segments.get(batch[b]);
                Pieces p = pieces.get(s.sequence());
                int n = result.tokenCount(b) - 2;
                for (int layer : layers) {
                    float[] rep = result.representation(layer, b);
                    p.rows.computeIfAbsent(layer, k -> new float[p.windows.count()][])[s.window()] =
                            Arrays.copyOfRange(rep, d, (n + 1) * d);
                    if (s.window() == 0) {
                        p.bos.put(layer, Arrays.copyOf(rep, d));
                    }
                }
                if (request.logits()) {
                    p.logits[s.window()] = Arrays.copyOfRange(result.logits(b), vocab, (n + 1) * vocab);
                }
                if (request.contacts()) {
                    p.contacts[s.window()] = result.contacts(b);
                }
            }
        }

        List<SequenceOutput> out = new ArrayList<>(pieces.size());
        for (Pieces p : pieces) {
            int n = p.windows.length();
            SortedMap<Integer, Matrix> perResidue = new TreeMap<>();
            p.rows.forEach((layer, perWindow) -> perResidue.put(layer, new Matrix(n, d, mergeRows(p.windows,
                    perWindow, d))));
            Matrix logits = request.logits() ? new Matrix(n, vocab, mergeRows(p.windows, p.logits, vocab)) : null;
            Matrix contacts = null;
            if (request.contacts()) {
                contacts = new Matrix(n, n, p.windows.count() == 1 ? p.contacts[0]
                        : p.windows.mergePairs(Arrays.asList(p.contacts)));
            }
            out.add(new SequenceOutput(config.numLayers(), n, perResidue, p.bos, logits, contacts));
        }
        return out;
    }

    private static float[] mergeRows(SequenceWindows windows, float[][] perWindow, int width) {
        return windows.count() == 1 ? perWindow[0] : windows.mergeRows(Arrays.asList(perWindow), width);
    }

    /** Loading options; {@link #load(Path)} or {@link #load(String)} ends the chain. */
    public static final class Loader {
        private String backend;
        private ModelHub hub;
        private boolean offline;
        private DownloadListener downloadListener = DownloadListener.NONE;
        private int tokensPerBatch = DEFAULT_TOKENS_PER_BATCH;

        private Loader() {
        }

        /** "cpu", "cuda" or "auto" (default: {@code -Desm2j.backend}, else auto). */
        public Loader backend(String name) {
            this.backend = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The model cache and download sites for {@link #load(String)} (default: {@code -Desm2j.home}, else
         * {@code $ESM2J_HOME}, else {@code ~/.cache/esm2j}; Meta's and Hugging Face's sites).
         */
        public Loader hub(ModelHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
            return this;
        }

        /** With the default hub: use only what the cache holds, never the network. */
        public Loader offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** With the default hub: told about download progress (e.g. to draw a progress bar). */
        public Loader downloadListener(DownloadListener listener) {
            this.downloadListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Padded tokens per forward pass (default {@value Esm2#DEFAULT_TOKENS_PER_BATCH}); bounds memory. */
        public Loader tokensPerBatch(int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("tokens per batch must be at least 1, got " + tokens);
            }
            this.tokensPerBatch = tokens;
            return this;
        }

        public Esm2 load(Path checkpoint) {
            return open(Objects.requireNonNull(checkpoint, "checkpoint"), checkpoint.toString());
        }

        public Esm2 load(String modelName) {
            ReleasedModel.fromName(modelName); // the error lists the names before anything is downloaded
            ModelHub chosen = hub != null ? hub : ModelHub.fromEnvironment(offline, downloadListener);
            return open(chosen.resolve(modelName), modelName.trim());
        }

        private Esm2 open(Path checkpoint, String source) {
            Backend chosen = backend == null ? Backends.select() : Backends.select(backend);
            return new Esm2(Esm2Model.load(CheckpointLoader.load(checkpoint).weights(), chosen), source,
                    tokensPerBatch);
        }
    }
}
