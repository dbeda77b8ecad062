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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.esm2j.io.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves released model names to checkpoint files in a local cache, downloading what is missing: {@code NAME}
 * fetches Meta's {@code .pt} files, {@code facebook/NAME} the Hugging Face copy (config.json and the weights).
 *
 * <p>Cache layout: {@code NAME.pt} and {@code NAME-contact-regression.pt} flat in the cache directory (the layout
 * fair-esm expects), Hugging Face copies in {@code huggingface/facebook/NAME/}. Each file has a {@code .manifest.json}
 * record of the size and SHA-256 measured while downloading, a {@code .lock} file that serialises downloads across
 * processes, and while a transfer is unfinished a {@code .part} file that the next attempt resumes. A finished file
 * appears only by rename after its size matched the server's.
 *
 * <p>Integrity: where the publisher lists a file's digest (the Hugging Face API gives the SHA-256 of every weight file
 * and the Git blob id of the small ones), the download must match it: a mismatch is downloaded again from scratch once, then refused, and a cached file whose
 * record disagrees with the listing is replaced. Meta's download site publishes no checksum, so a {@code .pt} is only
 * as good as its transfer; its record then guards against later damage to the cache (size always, SHA-256 with
 * {@code verifySha256}).
 */
public final class ModelHub {
    private static final Logger LOG = LoggerFactory.getLogger(ModelHub.class);

    public static final URI DEFAULT_BASE_URL = URI.create("https://dl.fbaipublicfiles.com/fair-esm/");
    public static final URI DEFAULT_HUGGING_FACE_URL = URI.create("https://huggingface.co/");
    public static final String HOME_ENV = "ESM2J_HOME";
    /** A JVM user's alternative to {@code $ESM2J_HOME}; the property wins when both are set. */
    public static final String HOME_PROPERTY = "esm2j.home";
    public static final String BASE_URL_PROPERTY = "esm2j.hub.url";
    public static final String HUGGING_FACE_URL_PROPERTY = "esm2j.hub.huggingFaceUrl";
    /** Where Hugging Face copies live under the cache directory. */
    static final String HUGGING_FACE_DIR = "huggingface";
    /** A model repository's listing is a few KB. */
    private static final int MAX_LISTING_BYTES = 1 << 20;
    /** Seconds without data before a download is given up (a resume continues it). */
    public static final String STALL_SECONDS_PROPERTY = "esm2j.hub.stallSeconds";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final int DEFAULT_STALL_SECONDS = 60;

    private final Path cacheDir;
    private final URI baseUrl;
    private final URI huggingFaceUrl;
    private final boolean offline;
    private final DownloadListener listener;
    private final Duration stallTimeout;
    private HttpDownloader downloader;

    /** A hub on Meta's {@code baseUrl} and the public Hugging Face hub. */
    public ModelHub(Path cacheDir, URI baseUrl, boolean offline, DownloadListener listener) {
        this(cacheDir, baseUrl, DEFAULT_HUGGING_FACE_URL, offline, listener);
    }

    /** A hub on Meta's {@code baseUrl} and the Hugging Face hub (or a mirror of its API) at {@code huggingFaceUrl}. */
    public ModelHub(Path cacheDir, URI baseUrl, URI huggingFaceUrl, boolean offline, DownloadListener listener) {
        this(cacheDir, baseUrl, huggingFaceUrl, offline, listener,
                Duration.ofSeconds(Integer.getInteger(STALL_SECONDS_PROPERTY, DEFAULT_STALL_SECONDS)));
    }

    ModelHub(Path cacheDir, URI baseUrl, boolean offline, DownloadListener listener, Duration stallTimeout) {
        this(cacheDir, baseUrl, DEFAULT_HUGGING_FACE_URL, offline, listener, stallTimeout);
    }

    ModelHub(Path cacheDir, URI baseUrl, URI huggingFaceUrl, boolean offline, DownloadListener listener,
            Duration stallTimeout) {
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir").toAbsolutePath().normalize();
        this.baseUrl = directoryUrl(Objects.requireNonNull(baseUrl, "baseUrl"));
        this.huggingFaceUrl = directoryUrl(Objects.requireNonNull(huggingFaceUrl, "huggingFaceUrl"));
        this.offline = offline;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.stallTimeout = stallTimeout;
    }

    /**
     * A hub on {@code -Desm2j.home}, else {@code $ESM2J_HOME}, else {@code ~/.cache/esm2j}, with the base URLs in
     * {@code -Desm2j.hub.url} (Meta) and {@code -Desm2j.hub.huggingFaceUrl}.
     */
    public static ModelHub fromEnvironment(boolean offline, DownloadListener listener) {
        Map<String, String> env = new HashMap<>(System.getenv());
        String homeProperty = System.getProperty(HOME_PROPERTY);
        if (homeProperty != null && !homeProperty.isBlank()) {
            env.put(HOME_ENV, homeProperty);
        }
        return new ModelHub(defaultCacheDir(env, System.getProperty("user.home")),
                urlProperty(BASE_URL_PROPERTY, DEFAULT_BASE_URL), urlProperty(HUGGING_FACE_URL_PROPERTY,
                        DEFAULT_HUGGING_FACE_URL), offline, listener);
    }

    private static URI urlProperty(String property, URI fallback) {
        String url = System.getProperty(property);
        return url == null || url.isBlank() ? fallback : parseBaseUrl(property, url);
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

    public URI huggingFaceUrl() {
        return huggingFaceUrl;
    }

    public boolean offline() {
        return offline;
    }

    /**
     * For {@code NAME}: the local path of NAME.pt with NAME-contact-regression.pt beside it; for {@code facebook/NAME}:
     * the local Hugging Face folder. Downloads what is missing.
     */
    public Path resolve(String modelName) {
        return resolve(modelName, false);
    }

    /**
     * As {@link #resolve(String)}; with {@code verifySha256} cached files are also re-hashed against their records
     * (the size is always checked).
     */
    public Path resolve(String modelName, boolean verifySha256) {
        ReleasedModel model = ReleasedModel.fromName(modelName);
        if (ReleasedModel.isHuggingFaceName(modelName)) {
            return resolveHuggingFace(model, verifySha256);
        }
        // Meta publishes no checksum for these files: nothing to compare the download with but the server's length.
        Path checkpoint = ensure(cacheDir.resolve(model.checkpointFileName()), checkpointUrl(model), verifySha256,
                Optional.empty());
        ensure(cacheDir.resolve(model.contactRegressionFileName()), contactRegressionUrl(model), verifySha256,
                Optional.empty());
        return checkpoint;
    }

    /** {@code CACHE/huggingface/facebook/NAME}. */
    public Path huggingFaceFolder(ReleasedModel model) {
        return cacheDir.resolve(HUGGING_FACE_DIR).resolve(model.huggingFaceRepo());
    }

    /** config.json and the weights of {@code facebook/NAME}, each LFS file checked against the listed SHA-256. */
    private Path resolveHuggingFace(ReleasedModel model, boolean verify) {
        Path folder = huggingFaceFolder(model);
        String repo = model.huggingFaceRepo();
        try {
            if (offline) {
                return cachedHuggingFaceOffline(folder, repo, verify);
            }
            Files.createDirectories(folder);
            URI listingUrl = HuggingFaceListing.listingUrl(huggingFaceUrl, repo);
            HuggingFaceListing listing = HuggingFaceListing.parse(repo, listingUrl,
                    downloader().fetchText(listingUrl, MAX_LISTING_BYTES, folder));
            for (HuggingFaceListing.Entry file : listing.filesToDownload()) {
                ensure(folder.resolve(file.path()), HuggingFaceListing.fileUrl(huggingFaceUrl, repo, file.path()),
                        verify, listing.digestOf(file));
            }
            return folder;
        } catch (IOException e) {
            throw new HubException("cannot use the model cache " + folder + " for " + repo + ": " + e, e);
        }
    }

    /** Without the listing, the folder's own download records are what the files are checked against. */
    private Path cachedHuggingFaceOffline(Path folder, String repo, boolean verify) throws IOException {
        if (!Files.isRegularFile(folder.resolve(HuggingFaceListing.CONFIG))) {
            throw new HubException(repo + " is not in the cache: looked for " + folder + ". Offline mode does not"
                    + " download; run once without --offline or pass the path of a local checkpoint");
        }
        List<Path> recorded;
        try (Stream<Path> files = Files.list(folder)) {
            recorded = files.filter(f -> Files.isRegularFile(CacheRecord.pathFor(f))).sorted().toList();
        }
        for (Path f : recorded) {
            cachedOffline(f, verify);
        }
        return folder;
    }

    /** {@code BASE/models/NAME.pt}. */
    public URI checkpointUrl(ReleasedModel model) {
        return baseUrl.resolve("models/" + model.checkpointFileName());
    }

    /** {@code BASE/regression/NAME-contact-regression.pt}. */
    public URI contactRegressionUrl(ReleasedModel model) {
        return baseUrl.resolve("regression/" + model.contactRegressionFileName());
    }

    private Path ensure(Path target, URI url, boolean verify, Optional<PublishedDigest> published) {
        String fileName = target.getFileName().toString();
        Path dir = target.getParent();
        try {
            if (offline) {
                return cachedOffline(target, verify);
            }
            Files.createDirectories(dir);
            try (CacheLock lock = CacheLock.acquire(dir.resolve(fileName + ".lock"))) {
                // Checked under the lock: another process may have just finished this very file.
                CacheState state = CacheState.inspect(target, verify);
                Optional<String> unpublished = state.usable() ? differsFromPublished(target, published)
                        : Optional.empty();
                if (state.usable() && unpublished.isEmpty()) {
                    return target;
                }
                Path part = partOf(target);
                Optional<String> corruption = state.corruption().or(() -> unpublished);
                if (corruption.isPresent()) {
                    LOG.warn("Cached file {} is corrupted ({}); deleting it and downloading it again", target,
                            corruption.get());
                    Files.delete(target);
                    Files.deleteIfExists(CacheRecord.pathFor(target));
                    download(url, part, target, published);
                } else if (state.exists()) {
                    checkUnrecorded(url, part, target, published);
                } else {
                    download(url, part, target, published);
                }
                return target;
            }
        } catch (IOException e) {
            throw new HubException("cannot use the model cache " + dir + " for " + fileName + ": " + e, e);
        }
    }

    /** Why a cached file's record is not the published file, or empty when it is (or nothing is published). */
    private static Optional<String> differsFromPublished(Path target, Optional<PublishedDigest> published)
            throws IOException {
        if (published.isEmpty()) {
            return Optional.empty();
        }
        Optional<CacheRecord> record = CacheRecord.read(target);
        if (record.isEmpty()) {
            return Optional.of("it has no download record, but the publisher lists " + published.get().describe());
        }
        return published.get().mismatch(target, record.get().size(), record.get().sha256())
                .map(actual -> "it has " + actual + ", but the publisher lists " + published.get().describe());
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
    private void checkUnrecorded(URI url, Path part, Path target, Optional<PublishedDigest> published)
            throws IOException {
        LOG.info("{} has no download record; checking it against {}", target, url);
        long placedSize = Files.size(target);
        Files.move(target, part, StandardCopyOption.REPLACE_EXISTING);
        try {
            download(url, part, target, published);
        } catch (HubException e) {
            if (Files.exists(part) && Files.size(part) == placedSize && !Files.exists(target)) {
                Files.move(part, target);
            }
            throw e;
        }
    }

    /**
     * Fills {@code part} and renames it to {@code target}. A result that differs from the published digest (a resume
     * onto damaged bytes, a bad mirror) is downloaded once more from scratch; a second mismatch is refused and leaves
     * nothing behind.
     */
    private void download(URI url, Path part, Path target, Optional<PublishedDigest> published) throws IOException {
        HttpDownloader.Completed completed = downloader().download(url, part, target);
        Optional<String> wrong = mismatch(published, part, completed);
        if (wrong.isPresent()) {
            LOG.warn("{} arrived with {}, but the publisher lists {}; downloading it again from the start", target,
                    wrong.get(), published.get().describe());
            Files.delete(part);
            completed = downloader().download(url, part, target);
            wrong = mismatch(published, part, completed);
            if (wrong.isPresent()) {
                Files.delete(part);
                throw new HubException("download of " + url + " does not match what its publisher lists, twice: got "
                        + wrong.get() + "; expected " + published.get().describe() + ". Nothing was kept; try again"
                        + " later, or download the file elsewhere and pass its path");
            }
        }
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

    private static Optional<String> mismatch(Optional<PublishedDigest> published, Path part,
            HttpDownloader.Completed completed) throws IOException {
        return published.isEmpty() ? Optional.empty()
                : published.get().mismatch(part, completed.size(), completed.sha256());
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

    private static URI parseBaseUrl(String property, String url) {
        try {
            return URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new HubException("-D" + property + " is not a valid URL: '" + url + "'", e);
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
