package org.esm2j.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.esm2j.io.AtomicFiles;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.esm2j.tensor.DType;

/**
 * The GPU forward benchmark (not a test): the released ESM-2 shapes from 8M to 15B with random bf16 weights made on
 * the device ({@link DeviceWeights#random}: no host copy, so 15B needs only its ~30 GB of device memory), full-length
 * sequences of random residues in packed batches, logits returned to the host as in the peer's infer mode. Prints and
 * writes one Markdown row per (model, batch x length): ms per batch, tokens/s (all tokens incl. cls/eos, no padding
 * exists), MFU with docs/PERFORMANCE.md's FLOPs against 989 TFLOP/s, timed iterations, weight bytes, the runtime's
 * device high-water mark (weights + cuBLASLt workspace + arena) and the device memory in use per cudaMemGetInfo.
 * A size or shape that does not fit gets a row saying so; each model is freed before the next.
 *
 * <p>Time is bounded so that the peer fits in the same 10-minute device call: each shape gets at most
 * {@code secondsPerShape} (warm-up up to a quarter of it, then as many timed passes as fit, at least
 * {@value #MIN_ITERATIONS}, at most {@code iterations}), and sizes that would start after {@code maxSeconds} are
 * skipped with a row saying so. Run by bench/gpu-check.sh:
 * {@code java -cp ... org.esm2j.cuda.GpuForwardBenchmark OUT.md [8M,...,15B] [warmup] [iterations]
 * [secondsPerShape] [maxSeconds]}.
 */
public final class GpuForwardBenchmark {
    private static final double PEAK_FLOPS = 989e12;
    private static final double GIB = 1024.0 * 1024 * 1024;
    /** batch x length; the smaller batch first, so that the runtime's high-water mark is each shape's own. */
    private static final int[][] SHAPES = {{8, 1024}, {64, 512}};
    private static final int MIN_ITERATIONS = 2;
    private static final long WEIGHT_SEED = 42;
    private static final String COLUMNS = "| model | batch x len | ms/batch | tokens/s | TFLOP/s | MFU (989) | timed "
            + "| weights GiB | runtime peak GiB | in use GiB |";

    private GpuForwardBenchmark() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "gpu-bench.md");
        String[] sizes = (args.length > 1 ? args[1] : "8M,35M,150M,650M,3B,15B").split(",");
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        double secondsPerShape = args.length > 4 ? Double.parseDouble(args[4]) : 12;
        double maxSeconds = args.length > 5 ? Double.parseDouble(args[5]) : 240;
        Budget budget = new Budget(warmup, Math.max(MIN_ITERATIONS, iterations), secondsPerShape);

        long started = System.nanoTime();
        long peakInUse = deviceBytesInUse();
        List<String> rows = new ArrayList<>();
        List<Gemm.Selection> matmuls = new ArrayList<>();
        rows.add(COLUMNS);
        rows.add("|---|---|---|---|---|---|---|---|---|---|");
        for (String rawSize : sizes) {
            String size = rawSize.trim();
            Esm2Config config = config(size);
            double elapsed = (System.nanoTime() - started) / 1e9;
            if (elapsed > maxSeconds) {
                rows.add(note(size, String.format(Locale.ROOT, "skipped: %.0f s budget spent", maxSeconds)));
                progress("%s: skipped, %.0f s of the %.0f s budget spent", size, elapsed, maxSeconds);
                continue;
            }
            long madeAt = System.nanoTime();
            try {
                DeviceWeights weights = DeviceWeights.random(config, DType.BF16, WEIGHT_SEED, null);
                progress("%s: %.2f GiB of random weights made on the device in %.2f s", size, weights.bytes() / GIB,
                        (System.nanoTime() - madeAt) / 1e9);
                try (CudaRuntime gpu = new CudaRuntime(config, DType.BF16, weights)) { // owns the weights from here
                    peakInUse = Math.max(peakInUse, measureShapes(size, config, gpu, weights.bytes(), budget, rows));
                    matmuls.addAll(gpu.matmulSelections());
                }
            } catch (DeviceOutOfMemoryException e) {
                rows.add(note(size, "weights out of memory"));
                progress("%s: %s", size, e.getMessage());
            }
            progress("%s: freed, %.2f GiB in use on the device, %.0f s so far", size, deviceBytesInUse() / GIB,
                    (System.nanoTime() - started) / 1e9);
        }
        String report = String.join("\n", rows) + "\n\n" + String.format(Locale.ROOT,
                "bf16, packed batches, random weights made on the device (seed %d); peak device memory in use "
                        + "(cudaMemGetInfo after each shape, CUDA context included): %.2f GiB; %.0f s in all.%n",
                WEIGHT_SEED, peakInUse / GIB, (System.nanoTime() - started) / 1e9)
                + "\nMatmul per GEMM shape (first use, CUDA events): cuBLASLt vs the hand-written kernel; ratio > 1 "
                + "means ours is faster; production uses the faster.\n\n" + Gemm.selectionTable(matmuls);
        AtomicFiles.write(out, stream -> stream.write(report.getBytes(StandardCharsets.UTF_8)));
        System.out.print(report);
    }

    /** The released models' shapes (fair-esm's pretrained table; FFN is 4 D in all of them). */
    static Esm2Config config(String size) {
        return switch (size) {
            case "8M" -> Esm2Config.of(6, 320, 20);
            case "35M" -> Esm2Config.of(12, 480, 20);
            case "150M" -> Esm2Config.of(30, 640, 20);
            case "650M" -> Esm2Config.of(33, 1280, 20);
            case "3B" -> Esm2Config.of(36, 2560, 40);
            case "15B" -> Esm2Config.of(48, 5120, 40);
            default -> throw new IllegalArgumentException("unknown size " + size + " (8M, 35M, 150M, 650M, 3B, 15B)");
        };
    }

    /** docs/PERFORMANCE.md: L (24 D^2 + 4 T D) + 2 D^2 + 2 D V per token. */
    static double flopsPerToken(Esm2Config c, int length) {
        double d = c.embedDim();
        return c.numLayers() * (24 * d * d + 4.0 * length * d) + 2 * d * d + 2 * d * c.vocabSize();
    }

    /**
     * How long one shape may take: up to {@code warmup} untimed passes within a quarter of the time, then as many
     * timed passes as the last warm-up pass says fit into the rest, between MIN_ITERATIONS and {@code iterations}.
     */
    record Budget(int warmup, int iterations, double secondsPerShape) {
        int timedIterations(double secondsPerPass) {
            long fit = (long) (secondsPerShape * 0.75 / Math.max(secondsPerPass, 1e-6));
            return (int) Math.max(MIN_ITERATIONS, Math.min(iterations, fit));
        }

        boolean warmedUp(int passes, double secondsSoFar) {
            return passes >= Math.max(1, warmup) || (passes >= 1 && secondsSoFar > secondsPerShape / 4);
        }
    }

    /**
     * One row per shape into {@code rows}; a shape that does not fit gets a row saying so, and the activations are
     * given back after each shape. Returns the most device memory seen in use.
     */
    private static long measureShapes(String size, Esm2Config config, CudaRuntime gpu, long weightBytes,
            Budget budget, List<String> rows) {
        long peakInUse = 0;
        for (int[] shape : SHAPES) {
            String row;
            try {
                row = measure(size, config, gpu, weightBytes, shape[0], shape[1], budget);
            } catch (DeviceOutOfMemoryException e) {
                row = note(size, shape[0] + "x" + shape[1], "out of memory");
                progress("%s %dx%d: %s", size, shape[0], shape[1], e.getMessage());
            }
            peakInUse = Math.max(peakInUse, deviceBytesInUse());
            rows.add(row);
            progress("%s", row);
            gpu.releaseActivations();
        }
        return peakInUse;
    }

    private static String measure(String size, Esm2Config config, CudaRuntime gpu, long weightBytes, int batch,
            int length, Budget budget) {
        int[] residues = new int[batch];
        Arrays.fill(residues, length - 2); // full length: <cls> and <eos> included in length
        List<int[]> tokens = GpuTestInputs.randomSequences(residues, 7);
        ForwardRequest request = ForwardRequest.logitsOnly();
        long warmStart = System.nanoTime();
        double lastPass;
        int passes = 0;
        do {
            long t = System.nanoTime();
            gpu.forward(tokens, request);
            lastPass = (System.nanoTime() - t) / 1e9;
            passes++;
        } while (!budget.warmedUp(passes, (System.nanoTime() - warmStart) / 1e9));
        int timed = budget.timedIterations(lastPass);
        progress("%s %dx%d: %d warm-up passes in %.1f s (last %.1f ms), timing %d", size, batch, length, passes,
                (System.nanoTime() - warmStart) / 1e9, lastPass * 1e3, timed);
        long start = System.nanoTime();
        for (int i = 0; i < timed; i++) {
            gpu.forward(tokens, request);
        }
        double seconds = (System.nanoTime() - start) / 1e9 / timed;
        double tokensPerSecond = batch * length / seconds;
        double flops = tokensPerSecond * flopsPerToken(config, length);
        return String.format(Locale.ROOT, "| %s | %dx%d | %.2f | %,.0f | %.1f | %.3f | %d | %.2f | %.2f | %.2f |", size,
                batch, length, seconds * 1e3, tokensPerSecond, flops / 1e12, flops / PEAK_FLOPS, timed,
                weightBytes / GIB, gpu.peakDeviceBytes() / GIB, deviceBytesInUse() / GIB);
    }

    private static String note(String size, String what) {
        return note(size, "", what);
    }

    private static String note(String size, String shape, String what) {
        return "| " + size + " | " + shape + " | " + what + " | | | | | | | |";
    }

    private static void progress(String format, Object... args) {
        System.out.printf(Locale.ROOT, format + "%n", args);
        System.out.flush();
    }

    private static long deviceBytesInUse() {
        long[] freeAndTotal = CudaDevice.memoryInfo();
        return freeAndTotal[1] - freeAndTotal[0];
    }
}
