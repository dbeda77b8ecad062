package org.esm2j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU backend's one shared worker pool, sized by {@code -Desm2j.threads} (default: available processors). Work is
 * split into contiguous ranges; how a range is split never changes what is computed for an element, so results do not
 * depend on the thread count.
 */
final class Parallel {
    static final String THREADS_PROPERTY = "esm2j.threads";
    private static final Logger LOG = LoggerFactory.getLogger(Parallel.class);
    private static final int THREADS = readThreadCount();
    private static final ForkJoinPool POOL = THREADS > 1 ? newPool(THREADS) : null;

    /** The body of a parallel loop over the index range {@code [start, end)}. */
    @FunctionalInterface
    interface RangeBody {
        void run(int start, int end);
    }

    private Parallel() {
    }

    static int threads() {
        return THREADS;
    }

    private static int readThreadCount() {
        int available = Runtime.getRuntime().availableProcessors();
        int threads = Integer.getInteger(THREADS_PROPERTY, available);
        if (threads < 1) {
            LOG.warn("-D{}={} is not a positive thread count; using {}", THREADS_PROPERTY, threads, available);
            threads = available;
        }
        LOG.info("esm2j cpu backend: {} threads (set -D{}=N to change)", threads, THREADS_PROPERTY);
        return threads;
    }

    private static ForkJoinPool newPool(int threads) {
        AtomicInteger counter = new AtomicInteger();
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = pool -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("esm2j-cpu-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new ForkJoinPool(threads, factory, null, false);
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into at most {@code chunks} contiguous ranges whose boundaries are
     * multiples of {@code align} (except the end); inline when one range suffices.
     */
    static void forRange(int n, int chunks, int align, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int units = (n + align - 1) / align;
        int pieces = Math.min(Math.min(chunks, units), THREADS == 1 ? 1 : chunks);
        if (pieces <= 1 || POOL == null) {
            body.run(0, n);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(pieces);
        for (int p = 0; p < pieces; p++) {
            int start = Math.min(n, (int) ((long) units * p / pieces) * align);
            int end = Math.min(n, (int) ((long) units * (p + 1) / pieces) * align);
            if (start < end) {
                tasks.add(ForkJoinTask.adapt(() -> body.run(start, end)));
            }
        }
        POOL.invoke(new RecursiveAction() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void compute() {
                invokeAll(tasks);
            }
        });
    }

    /** {@link #forRange} with a few ranges per thread, so that uneven ranges still balance. */
    static void forRange(int n, RangeBody body) {
        forRange(n, 4 * THREADS, 1, body);
    }
}
