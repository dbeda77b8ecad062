package org.esm2j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.esm2j.io.Json;
import org.esm2j.io.Sha256;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The download cache against a local server that serves the tiny fixture under a released model's name. */
@Timeout(10)
class ModelHubTest {
    private static final ReleasedModel MODEL = ReleasedModel.ESM2_T6_8M_UR50D;
    private static final String NAME = MODEL.modelName();
    private static final Duration TEST_STALL_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path cache;

    private FixtureServer server;
    private byte[] checkpoint;
    private byte[] regression;
    private final RecordingListener listener = new RecordingListener();

    @BeforeEach
    void startServer() throws IOException {
        Path fixture = Fixtures.metaCheckpoint(Fixtures.TINY);
        checkpoint = Files.readAllBytes(fixture);
        regression = Files.readAllBytes(fixture.resolveSibling(Fixtures.TINY + "-contact-regression.pt"));
        server = new FixtureServer();
        server.serve("models/" + NAME + ".pt", checkpoint);
        server.serve("regression/" + NAME + "-contact-regression.pt", regression);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private ModelHub hub(boolean offline) {
        return new ModelHub(cache, server.baseUrl(), offline, listener, TEST_STALL_TIMEOUT);
    }

    private Path checkpointFile() {
        return cache.resolve(NAME + ".pt");
    }

    private Path regressionFile() {
        return cache.resolve(NAME + "-contact-regression.pt");
    }

    // --- first and repeated use

    @Test
    void firstResolveDownloadsBothFilesWithRecordsAndProgress() throws Exception {
        Path resolved = hub(false).resolve(NAME);

        assertEquals(checkpointFile(), resolved);
        assertArrayEquals(checkpoint, Files.readAllBytes(resolved));
        assertArrayEquals(regression, Files.readAllBytes(regressionFile()));
        assertRecordMatches(checkpointFile(), checkpoint);
        assertRecordMatches(regressionFile(), regression);
        assertEquals(List.of(
                "started " + NAME + ".pt total=" + checkpoint.length + " from=0",
                "finished " + NAME + ".pt at " + checkpoint.length,
                "started " + NAME + "-contact-regression.pt total=" + regression.length + " from=0",
                "finished " + NAME + "-contact-regression.pt at " + regression.length), listener.events);
        assertTrue(listener.progressCalls > 2, "progress is reported during the transfer");
        assertEquals(List.of(FixtureServer.PREFIX + "models/" + NAME + ".pt",
                FixtureServer.PREFIX + "regression/" + NAME + "-contact-regression.pt"), server.requests());
        assertNoTemporaryFiles();
    }

    @Test
    void secondResolveUsesTheCacheWithoutAnyRequest() {
        hub(false).resolve(NAME);
        int afterFirst = server.requestCount();

        Path again = hub(false).resolve(NAME.toUpperCase(), true);

        assertEquals(checkpointFile(), again);
        assertEquals(afterFirst, server.requestCount());
    }

    // --- interrupted and odd transfers

    @Test
    void interruptedTransferKeepsPartAndNextResolveResumesWithRange() throws Exception {
        server.cutNextResponses(1);

        HubException cut = assertThrows(HubException.class, () -> hub(false).resolve(NAME));

        Path part = ModelHub.partOf(checkpointFile());
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept < checkpoint.length, "partial size " + kept);
        assertTrue(cut.getMessage().contains(part.toString()) && cut.getMessage().contains("resume"),
                cut.getMessage());
        assertFalse(Files.exists(checkpointFile()), "no final file from a cut transfer");

        hub(false).resolve(NAME);

        assertTrue(server.requests().contains(FixtureServer.PREFIX + "models/" + NAME + ".pt bytes=" + kept + "-"),
                server.requests().toString());
        assertTrue(listener.events.contains("started " + NAME + ".pt total=" + checkpoint.length + " from=" + kept),
                listener.events.toString());
        assertEquals(Sha256Hex.of(checkpoint), Sha256.of(checkpointFile()));
        assertRecordMatches(checkpointFile(), checkpoint);
        assertNoTemporaryFiles();
    }

    @Test
    void serverIgnoringRangeRestartsFromZeroAndStillEndsCorrect() throws Exception {
        server.cutNextResponses(1);
        assertThrows(HubException.class, () -> hub(false).resolve(NAME));
        server.ignoreRange(true);

        hub(false).resolve(NAME);

        assertTrue(listener.events.contains("started " + NAME + ".pt total=" + checkpoint.length + " from=0"),
                listener.events.toString());
        assertFalse(listener.events.stream().anyMatch(e -> e.startsWith("progress went backwards")),
                listener.events.toString());
        assertEquals(Sha256Hex.of(checkpoint), Sha256.of(checkpointFile()));
        assertRecordMatches(checkpointFile(), checkpoint);
        assertNoTemporaryFiles();
    }

    @Test
    void fileWithoutRecordIsConfirmedByTheServerWithoutTransfer() throws Exception {
        Files.write(checkpointFile(), checkpoint);

        hub(false).resolve(NAME);

        assertTrue(server.requests().contains(
                FixtureServer.PREFIX + "models/" + NAME + ".pt bytes=" + checkpoint.length + "-"),
                server.requests().toString());
        assertRecordMatches(checkpointFile(), checkpoint);
        assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
    }

    @Test
    void fileWithoutRecordStaysInPlaceWhenTheServerCannotBeAsked() throws Exception {
        Files.write(checkpointFile(), checkpoint);
        FixtureServer empty = new FixtureServer();
        try {
            ModelHub emptyHub = new ModelHub(cache, empty.baseUrl(), false, listener, TEST_STALL_TIMEOUT);
            assertThrows(HubException.class, () -> emptyHub.resolve(NAME));
        } finally {
            empty.close();
        }

        assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
        assertNoTemporaryFiles();
    }

    @Test
    void stalledTransferFailsInsteadOfHanging() throws Exception {
        server.stallMidBody(true);
        ModelHub impatient = new ModelHub(cache, server.baseUrl(), false, listener, Duration.ofMillis(300));

        long startNanos = System.nanoTime();
        HubException stalled = assertThrows(HubException.class, () -> impatient.resolve(NAME));
        double seconds = (System.nanoTime() - startNanos) / 1e9;

        System.out.printf("stalled transfer given up after %.2f s (stall timeout 0.3 s)%n", seconds);
        assertTrue(stalled.getMessage().contains("stalled"), stalled.getMessage());
        assertTrue(seconds < 3, "gave up after " + seconds + " s");
        assertTrue(Files.size(ModelHub.partOf(checkpointFile())) > 0, "the received half is kept for a resume");
    }

    @Test
    void concurrentResolvesOfOneModelDownloadEachFileOnce() throws Exception {
        server.delayResponses(200);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> first = pool.submit(() -> hub(false).resolve(NAME));
            Future<Path> second = pool.submit(() -> hub(false).resolve(NAME));
            assertEquals(first.get(), second.get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, server.requestCount(), server.requests().toString());
        assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
        assertNoTemporaryFiles();
    }

    @Test
    void downloadWaitsForAnotherProcessHoldingTheCacheLock() throws Exception {
        Path lockFile = cache.resolve(NAME + ".pt.lock");
        Path javaBinary = Path.of(System.getProperty("java.home"), "bin", "java");
        Process holder = new ProcessBuilder(javaBinary.toString(), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), lockFile.toString()).redirectErrorStream(true).start();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            assertEquals("locked", new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8)).readLine());
            Future<Path> waiting = pool.submit(() -> hub(false).resolve(NAME));
            Thread.sleep(300);
            assertFalse(waiting.isDone(), "resolve must wait while another process holds the lock");
            assertEquals(0, server.requestCount());

            holder.getOutputStream().close();

            assertEquals(checkpointFile(), waiting.get());
            assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
        } finally {
            pool.shutdownNow();
            holder.destroy();
            holder.waitFor();
        }
    }

    @Test
    void partialFileLargerThanTheServersIsDiscardedAfter416() throws Exception {
        byte[] tooLong = Arrays.copyOf(checkpoint, checkpoint.length + 100);
        Files.write(ModelHub.partOf(checkpointFile()), tooLong);

        hub(false).resolve(NAME);

        assertEquals(List.of(FixtureServer.PREFIX + "models/" + NAME + ".pt bytes=" + tooLong.length + "-",
                FixtureServer.PREFIX + "models/" + NAME + ".pt"), server.requests().subList(0, 2));
        assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
        assertNoTemporaryFiles();
    }

    // --- corrupted cache

    @Test
    void changedSizeIsDetectedAndRedownloaded() throws Exception {
        hub(false).resolve(NAME);
        Files.write(checkpointFile(), new byte[] {1}, StandardOpenOption.APPEND);
        int before = server.requestCount();

        hub(false).resolve(NAME);

        assertEquals(List.of(FixtureServer.PREFIX + "models/" + NAME + ".pt"),
                server.requests().subList(before, server.requestCount()));
        assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
        assertNoTemporaryFiles();
    }

    @Test
    void flippedByteIsDetectedOnlyWhenVerifyingAndThenRedownloaded() throws Exception {
        hub(false).resolve(NAME);
        byte[] damaged = checkpoint.clone();
        damaged[damaged.length / 3] ^= 0x40;
        Files.write(checkpointFile(), damaged);
        int before = server.requestCount();

        hub(false).resolve(NAME);
        assertEquals(before, server.requestCount(), "without verify only the size is checked");

        hub(false).resolve(NAME, true);

        assertEquals(before + 1, server.requestCount());
        assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
    }

    @Test
    void corruptedFileInOfflineModeIsReportedNotUsed() throws Exception {
        hub(false).resolve(NAME);
        Files.write(checkpointFile(), new byte[] {1}, StandardOpenOption.APPEND);

        HubException e = assertThrows(HubException.class, () -> hub(true).resolve(NAME));

        assertTrue(e.getMessage().contains("corrupted") && e.getMessage().contains(checkpointFile().toString()),
                e.getMessage());
    }

    // --- offline and failures

    @Test
    void offlineWithoutCacheNamesTheMissingFileAndWhereItWasLooked() {
        HubException e = assertThrows(HubException.class, () -> hub(true).resolve(NAME));

        assertTrue(e.getMessage().contains(checkpointFile().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--offline"), e.getMessage());
        assertEquals(0, server.requestCount());
    }

    @Test
    void offlineWithCacheWorksWithoutRequests() throws Exception {
        hub(false).resolve(NAME);
        int before = server.requestCount();

        assertEquals(checkpointFile(), hub(true).resolve(NAME, true));

        assertEquals(before, server.requestCount());
    }

    @Test
    void notFoundNamesTheUrlAndLeavesNoFiles() throws Exception {
        ModelHub hub = hub(false);
        FixtureServer empty = new FixtureServer();
        try {
            ModelHub emptyHub = new ModelHub(cache, empty.baseUrl(), false, listener, TEST_STALL_TIMEOUT);
            HubException e = assertThrows(HubException.class, () -> emptyHub.resolve(NAME));

            assertTrue(e.getMessage().contains(emptyHub.checkpointUrl(MODEL).toString()), e.getMessage());
            assertTrue(e.getMessage().contains("404"), e.getMessage());
        } finally {
            empty.close();
        }
        assertEquals(List.of(NAME + ".pt.lock"), cacheContents(), "only the lock file remains");
        assertEquals(server.baseUrl().resolve("models/" + NAME + ".pt"), hub.checkpointUrl(MODEL));
    }

    @Test
    void unreachableServerNamesTheUrlAndSuggestsOffline() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort + "/fair-esm/");
        ModelHub hub = new ModelHub(cache, nowhere, false, listener, TEST_STALL_TIMEOUT);

        HubException e = assertThrows(HubException.class, () -> hub.resolve(NAME));

        assertTrue(e.getMessage().contains(nowhere + "models/" + NAME + ".pt"), e.getMessage());
        assertTrue(e.getMessage().contains("--offline"), e.getMessage());
        assertEquals(List.of(NAME + ".pt.lock"), cacheContents());
    }

    @Test
    void unknownNameListsTheReleasedModels() {
        HubException e = assertThrows(HubException.class, () -> hub(false).resolve("esm2_t6_8M"));

        assertTrue(e.getMessage().contains("esm2_t6_8M") && e.getMessage().contains("esm2_t48_15B_UR50D"),
                e.getMessage());
        assertEquals(0, server.requestCount());
    }

    @Test
    void baseUrlWithoutTrailingSlashStillResolvesBeneathIt() {
        ModelHub hub = new ModelHub(cache, URI.create("http://127.0.0.1:1/mirror/fair-esm"), true,
                DownloadListener.NONE);

        assertEquals(URI.create("http://127.0.0.1:1/mirror/fair-esm/models/esm2_t33_650M_UR50D.pt"),
                hub.checkpointUrl(ReleasedModel.ESM2_T33_650M_UR50D));
        assertEquals(URI.create("http://127.0.0.1:1/mirror/fair-esm/regression/"
                + "esm2_t33_650M_UR50D-contact-regression.pt"),
                hub.contactRegressionUrl(ReleasedModel.ESM2_T33_650M_UR50D));
    }

    @Test
    void cacheDirectoryComesFromEsm2jHomeOrDefaultsUnderUserHome() {
        assertEquals(Path.of("/data/esm"), ModelHub.defaultCacheDir(Map.of("ESM2J_HOME", "/data/esm"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/esm2j"), ModelHub.defaultCacheDir(Map.of(), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/esm2j"), ModelHub.defaultCacheDir(Map.of("ESM2J_HOME", " "), "/home/u"));
    }

    @Test
    void systemPropertiesChooseTheCacheAndBothDownloadSites() {
        System.setProperty(ModelHub.HOME_PROPERTY, cache.toString());
        System.setProperty(ModelHub.HUGGING_FACE_URL_PROPERTY, "http://127.0.0.1:9/hf");
        try {
            ModelHub hub = ModelHub.fromEnvironment(true, listener);
            assertEquals(cache.toAbsolutePath().normalize(), hub.cacheDir());
            assertEquals(URI.create("http://127.0.0.1:9/hf/"), hub.huggingFaceUrl());
            assertEquals(ModelHub.DEFAULT_BASE_URL, hub.baseUrl());
        } finally {
            System.clearProperty(ModelHub.HOME_PROPERTY);
            System.clearProperty(ModelHub.HUGGING_FACE_URL_PROPERTY);
        }
    }

    // --- helpers

    private void assertRecordMatches(Path file, byte[] expected) throws IOException {
        Map<String, Object> record = Json.parseObject(Files.readString(CacheRecord.pathFor(file)));
        assertEquals((long) expected.length, record.get("size"));
        assertEquals(Sha256Hex.of(expected), record.get("sha256"));
    }

    private void assertNoTemporaryFiles() throws IOException {
        List<String> leftovers = cacheContents().stream()
                .filter(n -> n.endsWith(".part") || n.endsWith(".tmp"))
                .collect(Collectors.toList());
        assertEquals(List.of(), leftovers);
    }

    private List<String> cacheContents() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
