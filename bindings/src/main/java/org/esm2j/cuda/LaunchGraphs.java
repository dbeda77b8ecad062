package org.esm2j.cuda;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
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

    private final CUstream_st stream;
    private final Map<Object, Integer> sightings = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Object, CUgraphExec_st> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Object, Boolean> uncapturable = new LinkedHashMap<>();

    LaunchGraphs(CUstream_st stream) {
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
        CUgraphExec_st graph = graphs.get(key);
        switch (action(ENABLED, seen, graph != null, uncapturable.containsKey(key))) {
            case EAGER -> work.run();
            case CAPTURE -> {
                CUgraphExec_st captured = capture(key, work);
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

    private void launch(CUgraphExec_st graph) {
        CudaCalls.check(cudart.cudaGraphLaunch(graph, stream), "cudaGraphLaunch");
    }

    /** The instantiated graph of {@code work}, or null (key marked uncapturable) when capturing failed. */
    private CUgraphExec_st capture(Object key, Runnable work) {
        // Thread-local mode: a call on this thread that is illegal during capture (an allocation, a synchronisation)
        // fails the capture instead of silently running outside the graph; other threads are not affected.
        CudaCalls.check(cudart.cudaStreamBeginCapture(stream, cudart.cudaStreamCaptureModeThreadLocal),
                "cudaStreamBeginCapture");
        CUgraph_st graph = new CUgraph_st();
        RuntimeException failure = null;
        try {
            work.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        int ended = cudart.cudaStreamEndCapture(stream, graph);
        if (failure != null || ended != cudart.cudaSuccess) {
            cudart.cudaGetLastError();
            if (!graph.isNull()) {
                cudart.cudaGraphDestroy(graph);
            }
            uncapturable.put(key, Boolean.TRUE);
            trim(uncapturable, CAPACITY * 4, false);
            LOG.debug("launch sequence {} cannot be captured into a CUDA graph ({}); it runs without one", key,
                    failure != null ? failure.getMessage() : cudart.cudaGetErrorString(ended).getString());
            if (failure instanceof DeviceOutOfMemoryException) {
                throw failure;
            }
            return null;
        }
        CUgraphExec_st exec = new CUgraphExec_st();
        int instantiated;
        try {
            instantiated = cudart.cudaGraphInstantiate(exec, graph, 0L);
        } finally {
            cudart.cudaGraphDestroy(graph);
        }
        if (instantiated != cudart.cudaSuccess) {
            if (instantiated == cudart.cudaErrorMemoryAllocation) {
                CudaCalls.check(instantiated, "cudaGraphInstantiate"); // the runtime's out-of-memory recovery
            }
            // Thrown, any other failure would hit this key again on every later pass, which would never succeed.
            cudart.cudaGetLastError();
            uncapturable.put(key, Boolean.TRUE);
            trim(uncapturable, CAPACITY * 4, false);
            LOG.debug("launch sequence {} cannot be instantiated as a CUDA graph ({}); it runs without one", key,
                    cudart.cudaGetErrorString(instantiated).getString());
            return null;
        }
        graphs.put(key, exec);
        trim(graphs, CAPACITY, true);
        LOG.debug("captured a CUDA graph for {}", key);
        return exec;
    }

    private static <V> void trim(Map<Object, V> map, int capacity, boolean destroyGraphs) {
        Iterator<Map.Entry<Object, V>> eldest = map.entrySet().iterator();
        while (map.size() > capacity && eldest.hasNext()) {
            V value = eldest.next().getValue();
            if (destroyGraphs) {
                cudart.cudaGraphExecDestroy((CUgraphExec_st) value);
            }
            eldest.remove();
        }
    }

    /** Destroys every graph; launch sequences are seen afresh (e.g. after the buffers they point into moved). */
    void clear() {
        graphs.values().forEach(cudart::cudaGraphExecDestroy);
        graphs.clear();
        sightings.clear();
        uncapturable.clear();
    }

    @Override
    public void close() {
        clear();
    }
}
