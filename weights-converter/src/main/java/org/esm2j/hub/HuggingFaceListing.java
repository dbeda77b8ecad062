package org.esm2j.hub;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.esm2j.io.Json;

/**
 * The files of a Hugging Face model repository as its API lists them ({@code GET /api/models/REPO/tree/main}): a JSON
 * array of entries {@code {"type": "file", "path": ..., "size": ..., "lfs": {"oid": SHA256, "size": ...}}}. Large
 * files are stored in Git LFS, and for those the listing carries the SHA-256 of the content; small files (config.json,
 * index files) carry their Git blob id ({@code "oid"}, a SHA-1 over a short header and the content). Either is the
 * digest a download is checked against.
 */
final class HuggingFaceListing {
    static final String CONFIG = "config.json";
    /** Weight layouts in order of preference; an index brings the shards it lists. */
    private static final List<String> WEIGHTS = List.of("model.safetensors", "model.safetensors.index.json",
            "pytorch_model.bin", "pytorch_model.bin.index.json");

    /** One listed file: its SHA-256 when it is an LFS file, else its Git blob id. */
    record Entry(String path, long size, Optional<String> lfsSha256, Optional<String> gitBlobId) {
    }

    private final String repo;
    private final URI listingUrl;
    private final Map<String, Entry> files;

    private HuggingFaceListing(String repo, URI listingUrl, Map<String, Entry> files) {
        this.repo = repo;
        this.listingUrl = listingUrl;
        this.files = files;
    }

    /** {@code BASE/api/models/REPO/tree/main}. */
    static URI listingUrl(URI base, String repo) {
        return base.resolve("api/models/" + repo + "/tree/main");
    }

    /** {@code BASE/REPO/resolve/main/PATH}: the file's content (LFS files redirect to a CDN). */
    static URI fileUrl(URI base, String repo, String path) {
        return base.resolve(repo + "/resolve/main/" + path);
    }

    static HuggingFaceListing parse(String repo, URI listingUrl, String json) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new HubException("the file listing of " + repo + " (" + listingUrl + ") is not JSON: "
                    + e.getMessage(), e);
        }
        if (!(parsed instanceof List)) {
            throw new HubException("the file listing of " + repo + " (" + listingUrl + ") is not a JSON array");
        }
        Map<String, Entry> files = new LinkedHashMap<>();
        for (Object item : (List<?>) parsed) {
            if (!(item instanceof Map) || !"file".equals(((Map<?, ?>) item).get("type"))) {
                continue; // folders
            }
            Map<?, ?> m = (Map<?, ?>) item;
            if (!(m.get("path") instanceof String) || !(m.get("size") instanceof Number)) {
                throw new HubException("the file listing of " + repo + " has an entry without path or size: " + m);
            }
            Optional<String> sha256 = Optional.empty();
            if (m.get("lfs") instanceof Map && ((Map<?, ?>) m.get("lfs")).get("oid") instanceof String) {
                String oid = (String) ((Map<?, ?>) m.get("lfs")).get("oid");
                if (!PublishedDigest.Kind.SHA256.accepts(oid)) {
                    throw new HubException("the file listing of " + repo + " gives '" + m.get("path")
                            + "' an LFS id that is not a SHA-256: '" + oid + "'");
                }
                sha256 = Optional.of(oid);
            }
            String path = (String) m.get("path");
            Optional<String> blob = m.get("oid") instanceof String id && PublishedDigest.Kind.GIT_BLOB_SHA1.accepts(id)
                    ? Optional.of(id) : Optional.empty();
            files.put(path, new Entry(path, ((Number) m.get("size")).longValue(), sha256, blob));
        }
        return new HuggingFaceListing(repo, listingUrl, files);
    }

    /**
     * What esm2j needs of the repository: config.json and one weight layout (safetensors preferred; with an index,
     * every shard of that format in the listing).
     */
    List<Entry> filesToDownload() {
        Entry config = files.get(CONFIG);
        if (config == null) {
            throw new HubException(repo + " lists no " + CONFIG + " (" + listingUrl + ")");
        }
        List<Entry> out = new ArrayList<>(List.of(config));
        for (String weights : WEIGHTS) {
            Entry e = files.get(weights);
            if (e == null) {
                continue;
            }
            out.add(e);
            if (weights.endsWith(".index.json")) {
                String extension = weights.substring(weights.indexOf('.'), weights.length() - ".index.json".length());
                String stem = weights.substring(0, weights.indexOf('.'));
                for (Entry shard : files.values()) {
                    if (shard.path().startsWith(stem + "-") && shard.path().endsWith(extension)
                            && shard.path().indexOf('/') < 0) {
                        out.add(shard);
                    }
                }
            }
            return out;
        }
        throw new HubException(repo + " lists no weights (looked for " + String.join(", ", WEIGHTS) + " in "
                + listingUrl + ")");
    }

    /** The digest the listing publishes for {@code entry}: the LFS SHA-256, else the Git blob id. */
    Optional<PublishedDigest> digestOf(Entry entry) {
        if (entry.lfsSha256().isPresent()) {
            return Optional.of(new PublishedDigest(entry.size(), PublishedDigest.Kind.SHA256, entry.lfsSha256().get(),
                    listingUrl.toString()));
        }
        return entry.gitBlobId().map(id -> new PublishedDigest(entry.size(), PublishedDigest.Kind.GIT_BLOB_SHA1, id,
                listingUrl.toString()));
    }
}
