package org.esm2j.hub;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves released model names to Meta's checkpoint files in a local cache, downloading what is missing.
 *
 * <p>Cache layout, flat in the cache directory: {@code NAME.pt} and {@code NAME-contact-regression.pt} (the layout
 * fair-esm expects), each with a {@code .manifest.json} record of the size and SHA-256 measured while downloading,
 * a {@code .lock} file that serialises downloads across processes, and while a transfer is unfinished a {@code .part}
 * file that the next attempt resumes. A finished file appears only by rename after its size matched the server's.
 */
public final class ModelHub {
    private static final Logger LOG = LoggerFactory.getLogger(ModelHub.class);

    public static final URI DEFAULT_BASE_URL = URI.create("https://dl.fbaipublicfiles.com/fair-esm/");
    public static final String HOME_ENV = "ESM2J_HOME";
    public static final String BASE_URL_PROPERTY = "esm2j.hub.url";
    /** Seconds without data before a download is given up (a resume continues it). */
    public static final String STALL_SECONDS_PROPERTY = "esm2j.hub.stallSeconds";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final int DEFAULT_STALL_SECONDS = 60;

    private final Path cacheDir;
    private final URI baseUrl;
    private final boolean offline;
    private final DownloadListener listener;
    private final Duration stallTimeout;
    private HttpDownloader downloader;

    public ModelHub(Path cacheDir, URI baseUrl, boolean offline, DownloadListener listener) {
        this(cacheDir, baseUrl, offline, listener,
                Duration.ofSeconds(Integer.getInteger(STALL_SECONDS_PROPERTY, DEFAULT_STALL_SECONDS)));
    }

    ModelHub(Path cacheDir, URI baseUrl, boolean offline, DownloadListener listener, Duration stallTimeout) {
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir").toAbsolutePath().normalize();
        this.baseUrl = directoryUrl(Objects.requireNonNull(baseUrl, "baseUrl"));
        this.offline = offline;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.stallTimeout = stallTimeout;
    }

    /** A hub on {@code $ESM2J_HOME} (default {@code ~/.cache/esm2j}) and the base URL in {@code -Desm2j.hub.url}. */
    public static ModelHub fromEnvironment(boolean offline, DownloadListener listener) {
        String url = System.getProperty(BASE_URL_PROPERTY);
        URI base = url == null || url.isBlank() ? DEFAULT_BASE_URL : parseBaseUrl(url);
        return new ModelHub(defaultCacheDir(System.getenv(), System.getProperty("user.home")), base, offline,
                listener);
    }

    static Path defaultCacheDir(Map<String, String> env, String userHome) {
        String home = env.get(HOME_ENV);
        if (home != null && !home.isBlank()) {
            return Paths.get(home);
        }
        return Paths.get(userHome, ".cache", "esm2j");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public URI baseUrl() {
        return baseUrl;
    }

    public boolean offline() {
        return offline;
    }

    /** Returns the local path of NAME.pt with NAME-contact-regression.pt beside it, downloading what is missing. */
    public Path resolve(String modelName) {
        return resolve(modelName, false);
    }

    /**
     * As {@link #resolve(String)}; with {@code verifySha256} cached files are also re-hashed against their records
     * (the size is always checked).
     */
    public Path resolve(String modelName, boolean verifySha256) {
        ReleasedModel model = ReleasedModel.fromName(modelName);
        Path checkpoint = ensure(model.checkpointFileName(), checkpointUrl(model), verifySha256);
        ensure(model.contactRegressionFileName(), contactRegressionUrl(model), verifySha256);
        return checkpoint;
    }

    /** {@code BASE/models/NAME.pt}. */
    public URI checkpointUrl(ReleasedModel model) {
        return baseUrl.resolve("models/" + model.checkpointFileName());
    }

    /** {@code BASE/regression/NAME-contact-regression.pt}. */
    public URI contactRegressionUrl(ReleasedModel model) {
        return baseUrl.resolve("regression/" + model.contactRegressionFileName());
    }

    private Path ensure(String fileName, URI url, boolean verify) {
        Path target = cacheDir.resolve(fileName);
        try {
            if (offline) {
                return cachedOffline(target, verify);
            }
            Files.createDirectories(cacheDir);
            try (CacheLock lock = CacheLock.acquire(cacheDir.resolve(fileName + ".lock"))) {
                // Checked under the lock: another process may have just finished this very file.
                CacheState state = CacheState.inspect(target, verify);
                if (state.usable()) {
                    return target;
                }
                Path part = partOf(target);
                if (state.corruption().isPresent()) {
                    LOG.warn("Cached file {} is corrupted ({}); deleting it and downloading it again", target,
                            state.corruption().get());
                    Files.delete(target);
                    Files.deleteIfExists(CacheRecord.pathFor(target));
                    download(url, part, target);
                } else if (state.exists()) {
                    checkUnrecorded(url, part, target);
                } else {
                    download(url, part, target);
                }
                return target;
            }
        } catch (IOException e) {
            throw new HubException("cannot use the model cache " + cacheDir + " for " + fileName + ": " + e, e);
        }
    }

    private Path cachedOffline(Path target, boolean verify) throws IOException {
        CacheState state = CacheState.inspect(target, verify);
        if (state.corruption().isPresent()) {
            throw new HubException("cached file " + target + " is corrupted (" + state.corruption().get()
                    + "); offline mode cannot download it again: run once without --offline");
        }
        if (!state.exists()) {
            Path part = partOf(target);
            String partial = Files.exists(part) ? " (an unfinished download " + part + " is there)" : "";
            throw new HubException("model file " + target.getFileName() + " is not in the cache: looked for "
                    + target + partial + ". Offline mode does not download; run once without --offline, place the"
                    + " file there (cache directory: $" + HOME_ENV + ", default ~/.cache/esm2j), or pass the path"
                    + " of a local checkpoint");
        }
        if (!state.usable()) {
            LOG.warn("{} has no download record, so its size and checksum cannot be checked; using it as is",
                    target);
        }
        return target;
    }

    /**
     * A file placed by hand: resuming from it lets the server confirm it (416) or complete it. If the server cannot
     * be asked, the file goes back untouched rather than being left as a .part the offline mode would not use.
     */
    private void checkUnrecorded(URI url, Path part, Path target) throws IOException {
        LOG.info("{} has no download record; checking it against {}", target, url);
        long placedSize = Files.size(target);
        Files.move(target, part, StandardCopyOption.REPLACE_EXISTING);
        try {
            download(url, part, target);
        } catch (HubException e) {
            if (Files.exists(part) && Files.size(part) == placedSize && !Files.exists(target)) {
                Files.move(part, target);
            }
            throw e;
        }
    }

    private void download(URI url, Path part, Path target) throws IOException {
        HttpDownloader.Completed completed = downloader().download(url, part, target);
        new CacheRecord(target.getFileName().toString(), url.toString(), completed.size(), completed.sha256())
                .write(target);
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
        LOG.info("Downloaded {} ({} bytes, sha256 {})", target, completed.size(), completed.sha256());
        listener.finished(target);
    }

    private synchronized HttpDownloader downloader() {
        if (downloader == null) {
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
            downloader = new HttpDownloader(client, stallTimeout, listener);
        }
        return downloader;
    }

    static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    private static URI parseBaseUrl(String url) {
        try {
            return URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new HubException("-D" + BASE_URL_PROPERTY + " is not a valid URL: '" + url + "'", e);
        }
    }

    /** The base URL as a directory, so that relative file paths resolve beneath it rather than beside it. */
    private static URI directoryUrl(URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new HubException("download base URL must be http or https: " + url);
        }
        String text = url.toString();
        return text.endsWith("/") ? url : URI.create(text + "/");
    }

    /** What the cache holds for one file. */
    private record CacheState(boolean exists, boolean usable, Optional<String> corruption) {

        static CacheState inspect(Path target, boolean verify) throws IOException {
            if (!Files.isRegularFile(target)) {
                return new CacheState(false, false, Optional.empty());
            }
            Optional<CacheRecord> record = CacheRecord.read(target);
            if (record.isEmpty()) {
                return new CacheState(true, false, Optional.empty());
            }
            long size = Files.size(target);
            if (size != record.get().size()) {
                return corrupted("size " + size + " bytes, but it was downloaded with " + record.get().size());
            }
            if (verify) {
                LOG.info("Verifying the SHA-256 of {}", target);
                String sha256 = Sha256.of(target);
                if (!sha256.equals(record.get().sha256())) {
                    return corrupted("SHA-256 " + sha256 + ", but it was downloaded with " + record.get().sha256());
                }
            }
            return new CacheState(true, true, Optional.empty());
        }

        private static CacheState corrupted(String why) {
            return new CacheState(true, false, Optional.of(why));
        }
    }
}
