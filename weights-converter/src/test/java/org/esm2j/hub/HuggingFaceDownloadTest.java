package org.esm2j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.io.Json;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code facebook/NAME} downloads against a local server laid out as the Hugging Face hub: the API's file listing
 * (with each LFS file's SHA-256, computed here independently of the hub's own hashing) and the files under
 * {@code REPO/resolve/main/}. The tiny fixture's Hugging Face folder stands in for the 8M model.
 */
@Timeout(10)
class HuggingFaceDownloadTest {
    private static final ReleasedModel MODEL = ReleasedModel.ESM2_T6_8M_UR50D;
    private static final String HF_NAME = MODEL.huggingFaceRepo();
    private static final String WEIGHTS = "model.safetensors";

    @TempDir
    Path cache;

    private FixtureServer server;
    private byte[] config;
    private byte[] weights;
    private final RecordingListener listener = new RecordingListener();

    @BeforeEach
    void startServer() throws IOException {
        Path folder = Fixtures.huggingFaceFolder(Fixtures.TINY);
        config = Files.readAllBytes(folder.resolve("config.json"));
        weights = Files.readAllBytes(folder.resolve(WEIGHTS));
        server = new FixtureServer();
        serveRepository(Sha256Hex.of(weights));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /**
     * The listing as the hub's API gives it: config.json (and vocab.txt, not needed) with Git blob ids, the weights
     * with their LFS SHA-256.
     */
    private void serveRepository(String listedWeightsSha256) {
        List<Object> listing = new ArrayList<>();
        listing.add(entry("config.json", config.length, gitBlobId(config), null));
        listing.add(entry("vocab.txt", 3, gitBlobId("L\nA".getBytes(StandardCharsets.US_ASCII)), null));
        listing.add(entry(WEIGHTS, weights.length, gitBlobId("pointer".getBytes(StandardCharsets.US_ASCII)),
                listedWeightsSha256));
        server.serveAtRoot("api/models/" + HF_NAME + "/tree/main",
                Json.write(listing).getBytes(StandardCharsets.UTF_8));
        server.serveAtRoot(HF_NAME + "/resolve/main/config.json", config);
        server.serveAtRoot(HF_NAME + "/resolve/main/" + WEIGHTS, weights);
    }

    private static Map<String, Object> entry(String path, long size, String gitBlobId, String lfsSha256) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "file");
        m.put("oid", gitBlobId);
        m.put("size", size);
        if (lfsSha256 != null) {
            m.put("lfs", Map.of("oid", lfsSha256, "size", size, "pointerSize", 134));
        }
        m.put("path", path);
        return m;
    }

    /** What {@code git hash-object} prints: SHA-1 over "blob SIZE\0" and the content. */
    private static String gitBlobId(byte[] content) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha1.digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private ModelHub hub(boolean offline) {
        return new ModelHub(cache, server.baseUrl(), server.rootUrl(), offline, listener, Duration.ofSeconds(5));
    }

    private Path weightsFile() {
        return hub(true).huggingFaceFolder(MODEL).resolve(WEIGHTS);
    }

    @Test
    void downloadsConfigAndWeightsIntoALoadableFolder() throws Exception {
        Path folder = hub(false).resolve(HF_NAME);

        assertEquals(hub(true).huggingFaceFolder(MODEL), folder);
        assertArrayEquals(config, Files.readAllBytes(folder.resolve("config.json")));
        assertArrayEquals(weights, Files.readAllBytes(folder.resolve(WEIGHTS)));
        assertFalse(Files.exists(folder.resolve("vocab.txt")), "only what loading needs is fetched");
        LoadedCheckpoint loaded = CheckpointLoader.load(folder);
        assertEquals(2, loaded.weights().config().numLayers());
        assertNoTemporaryFiles(folder);
    }

    @Test
    void secondResolveAsksOnlyForTheListing() {
        hub(false).resolve(HF_NAME);
        int before = server.requestCount();

        hub(false).resolve(HF_NAME);

        assertEquals(List.of("/api/models/" + HF_NAME + "/tree/main"),
                server.requests().subList(before, server.requestCount()));
    }

    @Test
    void damagedTransferIsDetectedByThePublishedDigestAndDownloadedAgain() throws Exception {
        server.damageNextResponses("/" + HF_NAME + "/resolve/main/" + WEIGHTS, 1);

        Path folder = hub(false).resolve(HF_NAME);

        assertArrayEquals(weights, Files.readAllBytes(folder.resolve(WEIGHTS)));
        long weightTransfers = server.requests().stream().filter(r -> r.endsWith("/" + WEIGHTS)).count();
        assertEquals(2, weightTransfers, server.requests().toString());
        assertNoTemporaryFiles(folder);
    }

    @Test
    void damagedSmallFileIsDetectedByItsGitBlobIdAndDownloadedAgain() throws Exception {
        server.damageNextResponses("/" + HF_NAME + "/resolve/main/config.json", 1);

        Path folder = hub(false).resolve(HF_NAME);

        assertArrayEquals(config, Files.readAllBytes(folder.resolve("config.json")));
        assertEquals(2, server.requests().stream().filter(r -> r.endsWith("/config.json")).count());
    }

    @Test
    void persistentMismatchIsRefusedNamingBothDigestsAndKeepsNothing() throws Exception {
        String published = Sha256Hex.of("other bytes".getBytes(StandardCharsets.UTF_8));
        serveRepository(published);

        HubException e = assertThrows(HubException.class, () -> hub(false).resolve(HF_NAME));

        assertTrue(e.getMessage().contains(published) && e.getMessage().contains(Sha256Hex.of(weights))
                && e.getMessage().contains("does not match what its publisher lists"), e.getMessage());
        assertFalse(Files.exists(weightsFile()));
        assertNoTemporaryFiles(weightsFile().getParent());
    }

    @Test
    void cachedFileThatDiffersFromTheListingIsReplaced() throws Exception {
        hub(false).resolve(HF_NAME);
        byte[] damaged = weights.clone();
        damaged[damaged.length / 3] ^= 0x10;
        Files.write(weightsFile(), damaged);
        // A record that matches the damaged bytes, as if they had arrived that way: only the listing can tell.
        new CacheRecord(WEIGHTS, "test", damaged.length, Sha256Hex.of(damaged)).write(weightsFile());
        int before = server.requestCount();

        hub(false).resolve(HF_NAME);

        assertArrayEquals(weights, Files.readAllBytes(weightsFile()));
        assertEquals(2, server.requestCount() - before, "listing, then the weights again");
    }

    @Test
    void offlineUsesTheCachedFolderWithoutRequestsAndNamesItWhenMissing() {
        HubException missing = assertThrows(HubException.class, () -> hub(true).resolve(HF_NAME));
        assertTrue(missing.getMessage().contains(hub(true).huggingFaceFolder(MODEL).toString()),
                missing.getMessage());

        hub(false).resolve(HF_NAME);
        int before = server.requestCount();
        assertEquals(hub(true).huggingFaceFolder(MODEL), hub(true).resolve(HF_NAME, true));
        assertEquals(before, server.requestCount());
    }

    @Test
    void listingWithoutWeightsOrWithABadDigestIsRefused() {
        server.serveAtRoot("api/models/" + HF_NAME + "/tree/main",
                Json.write(List.of(entry("config.json", config.length, gitBlobId(config), null)))
                        .getBytes(StandardCharsets.UTF_8));
        HubException none = assertThrows(HubException.class, () -> hub(false).resolve(HF_NAME));
        assertTrue(none.getMessage().contains("lists no weights"), none.getMessage());

        serveRepository("not-a-digest");
        HubException bad = assertThrows(HubException.class, () -> hub(false).resolve(HF_NAME));
        assertTrue(bad.getMessage().contains("not a SHA-256"), bad.getMessage());
    }

    @Test
    void shardedRepositoryBringsTheIndexAndEveryShardEachChecked() throws Exception {
        Path sharded = Fixtures.model(Fixtures.TINY).resolve("hf_sharded");
        List<Object> listing = new ArrayList<>();
        listing.add(entry("config.json", config.length, gitBlobId(config), null));
        List<String> names;
        try (Stream<Path> files = Files.list(sharded)) {
            names = files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        for (String name : names) {
            byte[] content = Files.readAllBytes(sharded.resolve(name));
            boolean lfs = name.endsWith(".safetensors");
            listing.add(entry(name, content.length, gitBlobId(lfs ? name.getBytes(StandardCharsets.US_ASCII) : content),
                    lfs ? Sha256Hex.of(content) : null));
            server.serveAtRoot(HF_NAME + "/resolve/main/" + name, content);
        }
        server.serveAtRoot("api/models/" + HF_NAME + "/tree/main",
                Json.write(listing).getBytes(StandardCharsets.UTF_8));
        server.damageNextResponses("/" + HF_NAME + "/resolve/main/model-00002-of-00003.safetensors", 1);

        Path folder = hub(false).resolve(HF_NAME);

        for (String name : names) {
            assertArrayEquals(Files.readAllBytes(sharded.resolve(name)), Files.readAllBytes(folder.resolve(name)),
                    name);
        }
        assertEquals(2, CheckpointLoader.load(folder).weights().config().numLayers());
        assertEquals(2, server.requests().stream().filter(r -> r.endsWith("model-00002-of-00003.safetensors")).count());
    }

    @Test
    void huggingFaceNamesAreReleasedNames() {
        assertEquals(MODEL, ReleasedModel.fromName("facebook/esm2_t6_8M_UR50D"));
        assertTrue(ReleasedModel.isHuggingFaceName(" Facebook/esm2_t6_8M_UR50D"));
        assertFalse(ReleasedModel.isHuggingFaceName("esm2_t6_8M_UR50D"));
        assertTrue(ReleasedModel.find("facebook/esm2_t6_9M_UR50D").isEmpty());
    }

    private static void assertNoTemporaryFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            List<String> leftovers = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".part") || n.endsWith(".tmp")).collect(Collectors.toList());
            assertEquals(List.of(), leftovers);
        }
    }
}
