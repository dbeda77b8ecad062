package org.esm2j.cuda;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.cuda.Esm2jCuda.esm2j_graph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CUDA graphs for a forward pass's launch sequence, cached per launch shape. A forward pass enqueues a few kernels per
 * layer; for small models and short batches the host-side cost of those launches (JNI, parameter structs, driver)
 * rivals the GPU time, and a graph replays the whole sequence with one launch.
 *
 * <p>A launch sequence is fully determined by its {@code key}: the work enqueued must depend on nothing else (grid
 * sizes, pointers, GEMM shapes), while values that kernels read from device memory (token ids, sequence offsets) may
 * change between replays. The first time a key is seen the work runs eagerly, which lets everything that must not
 * happen during a capture happen then (GEMM plans and their timing, allocations); the second time it is captured into
 * a graph and launched; from then on the graph is replayed. A key whose capture fails runs eagerly from then on.
 * At most {@link #CAPACITY} graphs are kept (least recently used evicted); {@link #clear} must be called when buffers
 * the graphs point into move (e.g. the activation arena grows). {@code -Desm2j.cudaGraphs=false} disables graphs.
 * Not thread-safe: the runtime serialises forward passes.
 */
final class LaunchGraphs implements AutoCloseable {
    static final int CAPACITY = 16;
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("esm2j.cudaGraphs", "true"));

    private static final Logger LOG = LoggerFactory.getLogger(LaunchGraphs.class);

    /** What happens to a launch sequence, given how often its key has been seen before. */
    enum Action {
        EAGER, CAPTURE, REPLAY
    }

    private final Pointer stream;
    private final Map<Object, Integer> sightings = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Object, esm2j_graph> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Object, Boolean> uncapturable = new LinkedHashMap<>();

    LaunchGraphs(Pointer stream) {
        this.stream = stream;
    }

    /** The policy: eager on first sight, captured on the second, replayed after; never graphs when disabled. */
    static Action action(boolean enabled, int previousSightings, boolean hasGraph, boolean captureFailedBefore) {
        if (!enabled || captureFailedBefore || previousSightings == 0) {
            return Action.EAGER;
        }
        return hasGraph ? Action.REPLAY : Action.CAPTURE;
    }

    /** Enqueues {@code work} on the stream, eagerly or through a graph (see the class comment). */
    void run(Object key, Runnable work) {
        int seen = sightings.getOrDefault(key, 0);
        esm2j_graph graph = graphs.get(key);
        switch (action(ENABLED, seen, graph != null, uncapturable.containsKey(key))) {
            case EAGER -> work.run();
            case CAPTURE -> {
                esm2j_graph captured = capture(key, work);
                if (captured == null) {
                    work.run();
                } else {
                    launch(captured);
                }
            }
            case REPLAY -> launch(graph);
        }
        sightings.put(key, seen + 1);
        trim(sightings, CAPACITY * 4, false);
    }

    int size() {
        return graphs.size();
    }

    private void launch(esm2j_graph graph) {
        CudaDevice.launch(graph, stream);
    }

    /** The instantiated graph of {@code work}, or null (key marked uncapturable) when capturing failed. */
    private esm2j_graph capture(Object key, Runnable work) {
        // Thread-local mode: a call on this thread that is illegal during capture (an allocation, a synchronisation)
        // fails the capture instead of silently running outside the graph; other threads are not affected.
        CudaDevice.beginCapture(stream);
        RuntimeException failure = null;
        try {
            work.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        esm2j_graph graph = null;
        try {
            // Ends the capture whatever happened in it; an instantiation failure leaves nothing to free.
            graph = CudaDevice.endCapture(stream);
        } catch (DeviceOutOfMemoryException e) {
            if (failure == null) {
                throw e; // the runtime's out-of-memory recovery
            }
        } catch (CudaException e) {
            // Thrown, any other failure would hit this key again on every later pass, which would never succeed.
            failure = failure != null ? failure : e;
        }
        if (failure != null) {
            if (graph != null) {
                Esm2jCuda.esm2j_graph_destroy(graph);
            }
            CudaDevice.clearError();
            uncapturable.put(key, Boolean.TRUE);
            trim(uncapturable, CAPACITY * 4, false);
            LOG.debug("launch sequence {} cannot be captured into a CUDA graph ({}); it runs without one", key,
                    failure.getMessage());
            if (failure instanceof DeviceOutOfMemoryException) {
                throw failure;
            }
            return null;
        }
        graphs.put(key, graph);
        trim(graphs, CAPACITY, true);
        LOG.debug("captured a CUDA graph for {}", key);
        return graph;
    }

    private static <V> void trim(Map<Object, V> map, int capacity, boolean destroyGraphs) {
        Iterator<Map.Entry<Object, V>> eldest = map.entrySet().iterator();
        while (map.size() > capacity && eldest.hasNext()) {
            V value = eldest.next().getValue();
            if (destroyGraphs) {
                Esm2jCuda.esm2j_graph_destroy((esm2j_graph) value);
            }
            eldest.remove();
        }
    }

    /** Destroys every graph; launch sequences are seen afresh (e.g. after the buffers they point into moved). */
    void clear() {
        graphs.values().forEach(Esm2jCuda::esm2j_graph_destroy);
        graphs.clear();
        sightings.clear();
        uncapturable.clear();
    }

    @Override
    public void close() {
        clear();
    }
}
