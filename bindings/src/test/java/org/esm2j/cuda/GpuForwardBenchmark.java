package org.esm2j.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;
import org.esm2j.bench.RandomWeights;
import org.esm2j.io.AtomicFiles;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.ForwardRequest;
import org.esm2j.tensor.DType;

/**
 * The GPU forward benchmark (not a test): random-weight ESM-2 shapes, full-length sequences of random residues in
 * packed batches, bf16, logits returned to the host as in the peer's infer mode. Prints and writes one Markdown row
 * per (model, batch x length): ms per batch, tokens/s (all tokens incl. cls/eos, no padding exists), MFU with
 * PERFORMANCE.md's FLOP formula against 989 TFLOP/s, the runtime's device high-water mark (weights + cuBLASLt
 * workspace + arena) and the device memory in use per cudaMemGetInfo. Run by bench/gpu-check.sh:
 * {@code java -cp ... org.esm2j.cuda.GpuForwardBenchmark OUT.md [8M,35M,...] [warmup] [iterations]}.
 */
public final class GpuForwardBenchmark {
    private static final double PEAK_FLOPS = 989e12;
    private static final int[][] SHAPES = {{64, 512}, {8, 1024}};

    private GpuForwardBenchmark() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "gpu-bench.md");
        String[] sizes = (args.length > 1 ? args[1] : "8M,35M,150M,650M,3B").split(",");
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        List<String> rows = new ArrayList<>();
        rows.add("| model | batch x len | ms/batch | tokens/s | TFLOP/s | MFU (989) | peak held GiB | in use GiB |");
        rows.add("|---|---|---|---|---|---|---|---|");
        for (String size : sizes) {
            Esm2Config config = config(size.trim());
            long started = System.nanoTime();
            try (CudaRuntime gpu = new CudaRuntime(RandomWeights.create(config, 42), DType.BF16)) {
                System.out.printf(Locale.ROOT, "%s: weights ready in %.1f s%n", size,
                        (System.nanoTime() - started) / 1e9);
                for (int[] shape : SHAPES) {
                    String row = measure(size.trim(), config, gpu, shape[0], shape[1], warmup, iterations);
                    System.out.println(row);
                    rows.add(row);
                }
            } catch (DeviceOutOfMemoryException e) {
                rows.add("| " + size + " | | out of memory | | | | | |");
                System.out.println(size + ": " + e.getMessage());
            }
        }
        String table = String.join("\n", rows) + "\n";
        AtomicFiles.write(out, stream -> stream.write(table.getBytes(StandardCharsets.UTF_8)));
        System.out.print(table);
    }

    static Esm2Config config(String size) {
        return switch (size) {
            case "8M" -> Esm2Config.of(6, 320, 20);
            case "35M" -> Esm2Config.of(12, 480, 20);
            case "150M" -> Esm2Config.of(30, 640, 20);
            case "650M" -> Esm2Config.of(33, 1280, 20);
            case "3B" -> Esm2Config.of(36, 2560, 40);
            case "15B" -> Esm2Config.of(48, 5120, 40);
            default -> throw new IllegalArgumentException("unknown size " + size);
        };
    }

    /** PERFORMANCE.md: L (24 D^2 + 4 T D) + 2 D^2 + 2 D V per token. */
    static double flopsPerToken(Esm2Config c, int length) {
        double d = c.embedDim();
        return c.numLayers() * (24 * d * d + 4.0 * length * d) + 2 * d * d + 2 * d * c.vocabSize();
    }

    private static String measure(String size, Esm2Config config, CudaRuntime gpu, int batch, int length,
            int warmup, int iterations) {
        SplittableRandom random = new SplittableRandom(7);
        List<int[]> tokens = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] seq = new int[length];
            seq[0] = 0; // <cls>
            for (int p = 1; p < length - 1; p++) {
                seq[p] = 4 + random.nextInt(20); // the 20 standard residues
            }
            seq[length - 1] = 2; // <eos>
            tokens.add(seq);
        }
        ForwardRequest request = ForwardRequest.logitsOnly();
        for (int i = 0; i < warmup; i++) {
            gpu.forward(tokens, request);
        }
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            gpu.forward(tokens, request);
        }
        double seconds = (System.nanoTime() - start) / 1e9 / iterations;
        double tokensPerSecond = batch * length / seconds;
        double flops = tokensPerSecond * flopsPerToken(config, length);
        return String.format(Locale.ROOT, "| %s | %dx%d | %.2f | %,.0f | %.1f | %.3f | %.2f | %.2f |", size, batch,
                length, seconds * 1e3, tokensPerSecond, flops / 1e12, flops / PEAK_FLOPS,
                gpu.peakDeviceBytes() / 1073741824.0, deviceBytesInUse() / 1073741824.0);
    }

    private static long deviceBytesInUse() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            CudaCalls.check(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return total.get() - free.get();
        }
    }
}
