package org.esm2j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esm2j.io.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one remote file into a {@code .part} file, resuming with an HTTP Range request when part of it is already
 * there, and measures size and SHA-256 on the way. Network trouble becomes a {@link HubException} naming the URL and
 * leaves the {@code .part} for the next attempt; local file errors stay {@link IOException}s.
 */
final class HttpDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(HttpDownloader.class);
    private static final int BUFFER_BYTES = 1 << 16;
    /** Fresh starts allowed after a server answers a resume inconsistently, before giving up on it. */
    private static final int MAX_RESTARTS = 2;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes\\s+\\*/(\\d+)");

    private final HttpClient client;
    private final Duration stallTimeout;
    private final DownloadListener listener;

    /** A {@code .part} file holding the whole resource. */
    record Completed(long size, String sha256) {
    }

    HttpDownloader(HttpClient client, Duration stallTimeout, DownloadListener listener) {
        this.client = client;
        this.stallTimeout = stallTimeout;
        this.listener = listener;
    }

    /**
     * Fills {@code part} with the resource at {@code url}.
     *
     * @param target the file the caller will rename {@code part} to; named to the listener and in hints
     */
    Completed download(URI url, Path part, Path target) throws IOException {
        for (int restarts = 0; restarts <= MAX_RESTARTS; restarts++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            HttpResponse<InputStream> response = send(url, have, target);
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                if (status == 200) {
                    if (have > 0) {
                        LOG.info("{} ignored the request to resume at byte {}; downloading it from the start", url,
                                have);
                    }
                    long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                    return transfer(url, body, part, 0, total, target);
                }
                if (status == 206 && have > 0) {
                    Optional<String> header = response.headers().firstValue("Content-Range");
                    Matcher range = CONTENT_RANGE.matcher(header.orElse(""));
                    if (range.matches() && Long.parseLong(range.group(1)) == have) {
                        long total = range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
                        return transfer(url, body, part, have, total, target);
                    }
                    LOG.warn("{} answered the request to resume at byte {} with Content-Range '{}'; downloading it"
                            + " from the start", url, have, header.orElse(""));
                } else if (status == 416 && have > 0) {
                    long total = unsatisfiedRangeTotal(response);
                    if (total == have) {
                        return alreadyComplete(part, target);
                    }
                    LOG.warn("The partial download {} ({} bytes) does not fit {} (server size {}); downloading it"
                            + " from the start", part, have, url, total < 0 ? "unknown" : total);
                } else {
                    throw httpFailure(url, status);
                }
            }
            Files.delete(part);
        }
        throw new HubException("download of " + url + " failed: the server answered resume requests "
                + "inconsistently " + (MAX_RESTARTS + 1) + " times");
    }

    /**
     * A small text resource (a file listing) read whole; larger than {@code maxBytes} is an error.
     *
     * @param placeAt where the files it describes would go, named in the hint when the server cannot be reached
     */
    String fetchText(URI url, int maxBytes, Path placeAt) throws IOException {
        HttpResponse<InputStream> response = send(url, 0, placeAt);
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw httpFailure(url, response.statusCode());
            }
            byte[] text = body.readNBytes(maxBytes + 1);
            if (text.length > maxBytes) {
                throw new HubException(url + " sent more than " + maxBytes + " bytes; expected a short listing");
            }
            return new String(text, StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<InputStream> send(URI url, long resumeFrom, Path target) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(stallTimeout).GET();
        if (resumeFrom > 0) {
            request.header("Range", "bytes=" + resumeFrom + "-");
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw unreachable(url, "no answer within " + stallTimeout.toSeconds() + " s", target, e);
        } catch (ConnectException e) {
            throw unreachable(url, "connection failed (" + describe(e) + ")", target, e);
        } catch (IOException e) {
            throw unreachable(url, describe(e), target, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while downloading " + url, e);
        }
    }

    private Completed transfer(URI url, InputStream body, Path part, long offset, long total, Path target)
            throws IOException {
        MessageDigest digest = Sha256.newDigest();
        if (offset > 0) {
            Sha256.update(digest, part);
        }
        listener.started(target, total, offset);
        listener.progress(offset);
        long size = offset;
        StandardOpenOption mode = offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
                StallWatchdog watchdog = StallWatchdog.watch(body, stallTimeout)) {
            byte[] buffer = new byte[BUFFER_BYTES];
            while (true) {
                int n;
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    throw watchdog.fired() ? stalled(url, size, total, part) : interrupted(url, size, total, part, e);
                }
                if (n < 0) {
                    break;
                }
                watchdog.progressed();
                if (total >= 0 && size + n > total) {
                    throw new HubException("download of " + url + " failed: the server sent more than the "
                            + total + " bytes it announced");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                digest.update(buffer, 0, n);
                size += n;
                listener.progress(size);
            }
            if (watchdog.fired()) {
                throw stalled(url, size, total, part);
            }
            if (total >= 0 && size != total) {
                throw interrupted(url, size, total, part, null);
            }
            out.force(true);
        }
        return new Completed(size, Sha256.hex(digest));
    }

    /** The server says the range after the partial file is empty: the partial file is already whole. */
    private Completed alreadyComplete(Path part, Path target) throws IOException {
        long size = Files.size(part);
        listener.started(target, size, size);
        Completed completed = new Completed(size, Sha256.of(part));
        listener.progress(size);
        return completed;
    }

    private static long unsatisfiedRangeTotal(HttpResponse<?> response) {
        Matcher m = UNSATISFIED_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static HubException httpFailure(URI url, int status) {
        String meaning = status == 404 ? " (not found: check the model name and the download base URL)"
                : status == 403 ? " (forbidden)" : status >= 500 ? " (server error; try again later)" : "";
        return new HubException("download of " + url + " failed: HTTP " + status + meaning);
    }

    private static HubException unreachable(URI url, String what, Path target, Exception cause) {
        return new HubException("cannot download " + url + ": " + what + ". Without network access, download the"
                + " file elsewhere and place it at " + target + " then use --offline, or pass the path of a local"
                + " checkpoint instead of a model name", cause);
    }

    private static HubException interrupted(URI url, long size, long total, Path part, Exception cause) {
        String reason = cause == null ? "" : " (" + describe(cause) + ")";
        return new HubException("download of " + url + " stopped after " + size + " of "
                + (total < 0 ? "an unknown number of" : String.valueOf(total)) + " bytes" + reason
                + "; the partial file " + part + " is kept and the next attempt resumes from it", cause);
    }

    private HubException stalled(URI url, long size, long total, Path part) {
        return new HubException("download of " + url + " stalled: no data for " + stallTimeout.toMillis()
                + " ms after " + size + " of " + (total < 0 ? "an unknown number of" : String.valueOf(total))
                + " bytes; the partial file " + part + " is kept and the next attempt resumes from it");
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
