package org.esm2j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file server on 127.0.0.1 with the fair-esm URL layout (and, through {@link #serveAtRoot}, any other such as the
 * Hugging Face hub's) and switchable misbehaviour: cutting a response short, ignoring Range, stalling mid-body,
 * damaging a byte of the body. Records each request's path and Range header.
 */
final class FixtureServer implements AutoCloseable {
    static final String PREFIX = "/fair-esm/";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final List<String> requests = new ArrayList<>();
    private final AtomicInteger responsesToCut = new AtomicInteger();
    private final Map<String, AtomicInteger> responsesToDamage = new ConcurrentHashMap<>();
    private final CountDownLatch releaseStalls = new CountDownLatch(1);
    private volatile boolean ignoreRange;
    private volatile boolean stall;
    private volatile long delayMillis;

    FixtureServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PREFIX);
    }

    void serve(String relativePath, byte[] content) {
        files.put(PREFIX + relativePath, content);
    }

    /** The server's root, {@code http://127.0.0.1:PORT/}. */
    URI rootUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** Serves {@code content} at {@code /relativePath}, outside the fair-esm prefix. */
    void serveAtRoot(String relativePath, byte[] content) {
        files.put("/" + relativePath, content);
    }

    /** The next {@code n} bodies of {@code path} arrive whole but with the middle byte flipped (a bad mirror). */
    void damageNextResponses(String path, int n) {
        responsesToDamage.put(path, new AtomicInteger(n));
    }

    /** The next {@code n} responses announce the full length, send half of it and drop the connection. */
    void cutNextResponses(int n) {
        responsesToCut.set(n);
    }

    /** Answer Range requests with the whole file and status 200, as some servers and proxies do. */
    void ignoreRange(boolean ignore) {
        ignoreRange = ignore;
    }

    /** Send half of each body, then stop sending without closing until the server is closed. */
    void stallMidBody(boolean stallMidBody) {
        stall = stallMidBody;
    }

    /** Wait this long before answering, so that concurrent clients overlap. */
    void delayResponses(long millis) {
        delayMillis = millis;
    }

    synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    synchronized int requestCount() {
        return requests.size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String range = exchange.getRequestHeaders().getFirst("Range");
        synchronized (this) {
            requests.add(path + (range == null ? "" : " " + range));
        }
        try (exchange) {
            sleep(delayMillis);
            byte[] content = files.get(path);
            if (content == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            int start = 0;
            if (range != null && !ignoreRange) {
                start = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                if (start >= content.length) {
                    exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                    exchange.sendResponseHeaders(416, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Range",
                        "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
                exchange.sendResponseHeaders(206, content.length - start);
            } else {
                exchange.sendResponseHeaders(200, content.length);
            }
            OutputStream body = exchange.getResponseBody();
            int half = start + (content.length - start) / 2;
            if (responsesToCut.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                body.write(content, start, half - start);
                body.flush();
                return; // closing the exchange with bytes missing drops the connection
            }
            if (stall) {
                body.write(content, start, half - start);
                body.flush();
                await(releaseStalls);
                return;
            }
            AtomicInteger damage = responsesToDamage.get(path);
            if (damage != null && damage.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                byte[] damaged = content.clone();
                damaged[damaged.length / 2] ^= 0x01;
                content = damaged;
            }
            body.write(content, start, content.length - start);
        } catch (IOException clientWentAway) {
            // Expected when a response is cut short or the client gives up on a stalled one.
        }
    }

    private static void sleep(long millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        releaseStalls.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
