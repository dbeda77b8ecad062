package org.esm2j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    @TempDir
    Path dir;

    @Test
    void flopsPerTokenMatchThePerformanceTable() {
        // docs/PERFORMANCE.md: forward GFLOP/token at T = 512 is 0.019 (8M) and 0.079 (35M).
        assertEquals(0.019, BenchReport.flopsPerToken(RandomWeights.esm2T6(), 512) / 1e9, 0.0005);
        assertEquals(0.079, BenchReport.flopsPerToken(RandomWeights.esm2T12(), 512) / 1e9, 0.0005);
    }

    @Test
    void forwardRowsPutTokensPerSecondBesideThePeer() throws IOException {
        Path forward = write("forward.json", "[{\"benchmark\":\"org.esm2j.bench.ForwardBenchmark.forward\","
                + "\"params\":{\"batch\":\"8x128\",\"model\":\"esm2_t6_8M\"},"
                + "\"primaryMetric\":{\"score\":2.5,\"scoreError\":\"NaN\",\"scoreUnit\":\"ops/s\"},"
                + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":12500000.0,\"scoreUnit\":\"B/op\"}}}]");
        Path peer = write("peer.txt", "B=8 T=128 threads=2: 200.0 ms/batch, 5120 tokens/s\n");
        String md = BenchReport.markdown("--forward", "2=" + forward, "--peer", "2=" + peer);
        // 2.5 batches/s x 8 x 128 = 2560 tokens/s, half the peer's 5120.
        assertTrue(md.contains("| esm2_t6_8M | 8 x 128 | 2 | 2,560 | 5,120 | 0.50 | 40.8 | 12.5 |"), md);
    }

    @Test
    void trainingRowsPutTokensPerSecondAndPeakRssBesidePyTorch() throws IOException {
        Path train = write("train.json", "[{\"benchmark\":\"org.esm2j.bench.TrainingStepBenchmark.step\","
                + "\"params\":{\"batch\":\"4x512\",\"model\":\"esm2_t12_35M\",\"mode\":\"lora\"},"
                + "\"primaryMetric\":{\"score\":0.5,\"scoreUnit\":\"ops/s\"},"
                + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":2000000.0,\"scoreUnit\":\"B/op\"}}}]");
        Path rss = write("rss.txt", "esm2_t12_35M 4x512 lora 409600\n");
        Path torch = write("torch.jsonl", "{\"peer\": \"pytorch-cpu\", \"size\": \"35M\", \"mode\": \"lora\", "
                + "\"batch\": 4, \"len\": 512, \"threads\": 1, \"tokens_per_s\": 512.0, \"peak_rss_mib\": 1600.0}\n");
        String md = BenchReport.markdown("--train", "1=" + train, "--train-rss", "1=" + rss, "--torch",
                torch.toString());
        // 0.5 steps/s x 4 x 512 = 1024 tokens/s, 2x the peer; 409600 KiB = 400 MiB, a quarter of 1600.
        assertTrue(md.contains("| esm2_t12_35M | lora | 4 x 512 | 1 | 1,024 | 512 | 2.00 | 400 | 1,600 | 0.25 | 2.0 |"),
                md);
    }

    /** The script runs one JMH call per training point, so one thread count comes with several result files. */
    @Test
    void trainingPointsFromSeveralFilesOfOneThreadCountAreAllReported() throws IOException {
        Path full = write("full.json", eightMillionPoint("full", "2.0", "1000.0"));
        Path lora = write("lora.json", eightMillionPoint("lora", "3.0", "1000.0"));
        String md = BenchReport.markdown("--train", "1=" + full, "--train", "1=" + lora);
        assertTrue(md.contains("| esm2_t6_8M | full | 8 x 128 | 1 | 2,048 |"), md);
        assertTrue(md.contains("| esm2_t6_8M | lora | 8 x 128 | 1 | 3,072 |"), md);
    }

    /** --rounds: each side keeps its best round; peak RSS keeps the highest. */
    @Test
    void repeatedRoundsOfAPointKeepEachSidesBest() throws IOException {
        Path first = write("r1.json", eightMillionPoint("full", "2.0", "1000000.0"));
        Path second = write("r2.json", eightMillionPoint("full", "2.5", "3000000.0"));
        Path third = write("r3.json", eightMillionPoint("full", "1.5", "0.0"));
        Path rss = write("rss.txt", "esm2_t6_8M 8x128 full 307200\nesm2_t6_8M 8x128 full 358400\n"
                + "esm2_t6_8M 8x128 full 332800\n");
        String torchLine = "{\"peer\": \"pytorch-cpu\", \"size\": \"8M\", \"mode\": \"train\", \"batch\": 8, "
                + "\"len\": 128, \"threads\": 1, \"tokens_per_s\": %s, \"peak_rss_mib\": %s}\n";
        Path torch = write("torch.jsonl", String.format(torchLine, "1000.0", "700.0")
                + String.format(torchLine, "1280.0", "720.0") + String.format(torchLine, "900.0", "710.0"));
        String md = BenchReport.markdown("--train", "1=" + first, "--train", "1=" + second, "--train", "1=" + third,
                "--train-rss", "1=" + rss, "--torch", torch.toString());
        // Best rounds: 2.5 steps/s x 1024 = 2560 tokens/s (allocating 3.0 MB) against 1280; RSS 350 MiB against 720.
        assertTrue(md.contains("| esm2_t6_8M | full | 8 x 128 | 1 | 2,560 | 1,280 | 2.00 | 350 | 720 | 0.49 | 3.0 |"),
                md);
        assertEquals(1, md.split("\\| esm2_t6_8M \\| full").length - 1, md);
    }

    @Test
    void peakRssIsReadFromVmHwm() {
        assertEquals(123456, PeakRss.vmHwmKib("Name:\tjava\nVmPeak:\t  999999 kB\nVmHWM:\t  123456 kB\n"));
    }

    @Test
    void matmulRowsUseTheLscpuPeak() throws IOException {
        Path matmul = write("matmul.json", "[{\"benchmark\":\"org.esm2j.bench.MatMulBenchmark.linearSingleThread\","
                + "\"params\":{\"shape\":\"512x320x1280\"},"
                + "\"primaryMetric\":{\"score\":100.0,\"scoreUnit\":\"ops/s\"}}]");
        Path lscpu = write("lscpu.txt", "CPU(s):   2\nModel name:   Test CPU\nCPU max MHz:   2500.0\n"
                + "Flags:   fpu sse avx2 fma avx512f\n");
        String md = BenchReport.markdown("--matmul", matmul.toString(), "--lscpu", lscpu.toString());
        // 2 x 512 x 320 x 1280 FLOP x 100/s = 41.9 GFLOP/s; AVX-512 peak 2 x 16 x 2 x 2.5 = 160 GFLOP/s.
        assertTrue(md.contains("160.0 GFLOP/s"), md);
        assertTrue(md.contains("| 512 x 320 x 1280 | MatMul.linearSingleThread | 10.000 | 41.9 | 26% |"), md);
    }

    /** A JMH result file of one TrainingStepBenchmark point at the 8M shape, 8 x 128. */
    private static String eightMillionPoint(String mode, String opsPerSecond, String bytesPerOp) {
        return "[{\"benchmark\":\"org.esm2j.bench.TrainingStepBenchmark.step\","
                + "\"params\":{\"batch\":\"8x128\",\"model\":\"esm2_t6_8M\",\"mode\":\"" + mode + "\"},"
                + "\"primaryMetric\":{\"score\":" + opsPerSecond + ",\"scoreUnit\":\"ops/s\"},"
                + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":" + bytesPerOp
                + ",\"scoreUnit\":\"B/op\"}}}]";
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
