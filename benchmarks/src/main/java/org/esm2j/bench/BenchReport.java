package org.esm2j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.esm2j.io.Json;
import org.esm2j.model.Esm2Config;
import org.openjdk.jmh.annotations.Param;

/**
 * Turns one run of {@code bench/cpu-bench.sh} into Markdown: JMH JSON results of {@link ForwardBenchmark} and
 * {@link TrainingStepBenchmark} (one file per thread count, or several: one per training point) and
 * {@link MatMulBenchmark}, the ONNX Runtime peer's printed lines and the PyTorch peer's JSON lines at the same points,
 * the training forks' peak RSS ({@link PeakRss}) and the machine's {@code lscpu}. FLOPs follow docs/PERFORMANCE.md: per token
 * {@code L (24 D^2 + 4 T D) + 2 D^2 + 2 D V}.
 *
 * <p>Arguments: {@code --forward THREADS=FILE}, {@code --peer THREADS=FILE} and {@code --train-rss THREADS=FILE}
 * (repeatable), {@code --train THREADS=FILE} (repeatable, also for one thread count), {@code --torch FILE} (every
 * point of the PyTorch peer, one JSON line each), {@code --matmul FILE}, {@code --lscpu FILE}, {@code --title TEXT}.
 * Prints to standard output.
 */
public final class BenchReport {
    /** One line of the peer's output: {@code B=8 T=128 threads=2: 59.1 ms/batch, 17334 tokens/s}. */
    private static final Pattern PEER_LINE =
            Pattern.compile("B=(\\d+) T=(\\d+) threads=(\\d+): ([0-9.]+) ms/batch, ([0-9.]+) tokens/s");
    /** The shape of the peer's ONNX model. */
    private static final String PEER_MODEL = "esm2_t6_8M";
    /** FMA pipes per core assumed for the peak (Zen 2-4, Intel server cores with two AVX-512 ports). */
    private static final int FMA_UNITS = 2;

    private final Map<Integer, Path> forwardFiles = new TreeMap<>();
    private final Map<Integer, Path> peerFiles = new TreeMap<>();
    /** (threads, JMH JSON file): several files per thread count when the script runs one point per JMH call. */
    private final List<Map.Entry<Integer, Path>> trainFiles = new ArrayList<>();
    private final Map<Integer, Path> trainRssFiles = new TreeMap<>();
    private Path torchFile;
    private Path matmulFile;
    private Path lscpuFile;
    private String title = "esm2j CPU benchmarks";

    private BenchReport() {
    }

    public static void main(String[] args) throws IOException {
        System.out.print(markdown(args));
    }

    /** The report for the given command-line arguments. */
    static String markdown(String... args) throws IOException {
        return parse(args).render();
    }

    private static BenchReport parse(String[] args) {
        BenchReport r = new BenchReport();
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            String value = args[++i];
            switch (args[i - 1]) {
                case "--forward":
                    putThreadFile(r.forwardFiles, value);
                    break;
                case "--peer":
                    putThreadFile(r.peerFiles, value);
                    break;
                case "--train":
                    Map<Integer, Path> one = new TreeMap<>();
                    putThreadFile(one, value);
                    r.trainFiles.addAll(one.entrySet());
                    break;
                case "--train-rss":
                    putThreadFile(r.trainRssFiles, value);
                    break;
                case "--torch":
                    r.torchFile = Path.of(value);
                    break;
                case "--matmul":
                    r.matmulFile = Path.of(value);
                    break;
                case "--lscpu":
                    r.lscpuFile = Path.of(value);
                    break;
                case "--title":
                    r.title = value;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i - 1]
                            + " (expected --forward, --peer, --train, --train-rss, --torch, --matmul, --lscpu, --title)");
            }
        }
        return r;
    }

    private static void putThreadFile(Map<Integer, Path> files, String threadsEqualsFile) {
        int eq = threadsEqualsFile.indexOf('=');
        if (eq < 1) {
            throw new IllegalArgumentException("expected THREADS=FILE, got '" + threadsEqualsFile + "'");
        }
        files.put(Integer.parseInt(threadsEqualsFile.substring(0, eq)), Path.of(threadsEqualsFile.substring(eq + 1)));
    }

    private String render() throws IOException {
        StringBuilder out = new StringBuilder();
        Machine machine = lscpuFile == null ? null : Machine.fromLscpu(Files.readString(lscpuFile));
        out.append("## ").append(title).append("\n\n");
        if (machine != null) {
            out.append(machine.describe()).append("\n\n");
        }
        if (!forwardFiles.isEmpty()) {
            renderForward(out);
        }
        if (!trainFiles.isEmpty()) {
            renderTraining(out);
        }
        if (matmulFile != null) {
            renderMatMul(out, machine);
        }
        return out.toString();
    }

    // --- forward: esm2j next to the peer

    private void renderForward(StringBuilder out) throws IOException {
        Map<String, Double> peer = new LinkedHashMap<>(); // "threads/B/T" -> tokens/s
        for (Map.Entry<Integer, Path> e : peerFiles.entrySet()) {
            Matcher m = PEER_LINE.matcher(Files.readString(e.getValue()));
            while (m.find()) {
                peer.put(e.getKey() + "/" + m.group(1) + "/" + m.group(2), Double.parseDouble(m.group(5)));
            }
        }
        out.append("### Forward pass (logits only, random weights, every sequence full length)\n\n");
        List<ForwardRow> rows = new ArrayList<>();
        for (Map.Entry<Integer, Path> e : forwardFiles.entrySet()) {
            for (Map<String, Object> result : results(e.getValue())) {
                Map<String, Object> params = map(result.get("params"));
                String[] bt = ((String) params.get("batch")).split("x");
                rows.add(new ForwardRow((String) params.get("model"), Integer.parseInt(bt[0]),
                        Integer.parseInt(bt[1]), e.getKey(), score(result), allocatedMegabytes(result)));
            }
        }
        // Smaller model first, then length, batch and thread count, so the two thread counts of a point sit together.
        rows.sort(Comparator.comparingLong((ForwardRow r) -> ForwardBenchmark.config(r.model()).parameterCount())
                .thenComparingInt(ForwardRow::tokens).thenComparingInt(ForwardRow::batch)
                .thenComparingInt(ForwardRow::threads));
        out.append("| model shape | B x T | threads | esm2j tokens/s | peer tokens/s | esm2j / peer "
                + "| esm2j GFLOP/s | esm2j MB allocated / forward |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        for (ForwardRow r : rows) {
            double tokensPerSecond = r.opsPerSecond() * r.batch() * r.tokens();
            Double peerTokens = r.model().equals(PEER_MODEL)
                    ? peer.get(r.threads() + "/" + r.batch() + "/" + r.tokens()) : null;
            double gflops = tokensPerSecond * flopsPerToken(ForwardBenchmark.config(r.model()), r.tokens()) / 1e9;
            out.append(String.format(Locale.ROOT, "| %s | %d x %d | %d | %s | %s | %s | %.1f | %s |%n", r.model(),
                    r.batch(), r.tokens(), r.threads(), grouped(tokensPerSecond),
                    peerTokens == null ? "-" : grouped(peerTokens),
                    peerTokens == null ? "-" : String.format(Locale.ROOT, "%.2f", tokensPerSecond / peerTokens),
                    gflops, r.allocatedMegabytes()));
        }
        out.append("\nPeer: ONNX Runtime Java on the esm2_t6_8M-shaped ONNX export, which also returns the last hidden "
                + "state; same (B, T), same CPUs (1 thread = both pinned to one core with taskset). GFLOP/s use "
                + "L (24 D^2 + 4 T D) + 2 D^2 + 2 D V FLOPs per token.\n\n");
    }

    // --- training steps: esm2j next to PyTorch

    private void renderTraining(StringBuilder out) throws IOException {
        // "size/mode/B/T/threads" -> the peer's best tokens/s and highest peak RSS over the rounds of a point
        Map<String, Double> torchTokens = new LinkedHashMap<>();
        Map<String, Double> torchRss = new LinkedHashMap<>();
        if (torchFile != null) {
            for (String line : Files.readAllLines(torchFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("{")) {
                    Map<String, Object> p = map(Json.parse(line));
                    String key = p.get("size") + "/" + p.get("mode") + "/" + (int) number(p.get("batch")) + "/"
                            + (int) number(p.get("len")) + "/" + (int) number(p.get("threads"));
                    torchTokens.merge(key, number(p.get("tokens_per_s")), Math::max);
                    torchRss.merge(key, number(p.get("peak_rss_mib")), Math::max);
                }
            }
        }
        Map<String, Long> rssKib = new LinkedHashMap<>(); // "threads model BxT mode" -> VmHWM
        for (Map.Entry<Integer, Path> e : trainRssFiles.entrySet()) {
            for (String line : Files.readAllLines(e.getValue(), StandardCharsets.UTF_8)) {
                int space = line.lastIndexOf(' ');
                if (space > 0) {
                    rssKib.merge(e.getKey() + " " + line.substring(0, space), Long.parseLong(line.substring(space + 1)),
                            Math::max);
                }
            }
        }
        out.append("### Training step (MLM forward, backward, global-norm clipping, AdamW; random weights)\n\n");
        out.append("| model shape | mode | B x T | threads | esm2j tokens/s | PyTorch tokens/s | esm2j / PyTorch "
                + "| esm2j peak RSS MiB | PyTorch peak RSS MiB | RSS esm2j / PyTorch | esm2j MB allocated / step |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        // A point measured in several rounds keeps its best round (see bench/cpu-bench.sh --rounds).
        Map<String, TrainRow> best = new LinkedHashMap<>();
        for (Map.Entry<Integer, Path> e : trainFiles) {
            for (Map<String, Object> result : results(e.getValue())) {
                Map<String, Object> params = map(result.get("params"));
                String[] bt = ((String) params.get("batch")).split("x");
                TrainRow row = new TrainRow((String) params.get("model"), (String) params.get("mode"),
                        Integer.parseInt(bt[0]), Integer.parseInt(bt[1]), e.getKey(), score(result),
                        allocatedMegabytes(result));
                best.merge(row.model() + " " + row.mode() + " " + row.batch() + "x" + row.tokens() + " "
                        + row.threads(), row, (a, b) -> a.opsPerSecond() >= b.opsPerSecond() ? a : b);
            }
        }
        List<TrainRow> rows = new ArrayList<>(best.values());
        rows.sort(Comparator.comparingLong((TrainRow r) -> ForwardBenchmark.config(r.model()).parameterCount())
                .thenComparing(TrainRow::mode).thenComparingInt(TrainRow::tokens).thenComparingInt(TrainRow::batch)
                .thenComparingInt(TrainRow::threads));
        for (TrainRow r : rows) {
            double tokensPerSecond = r.opsPerSecond() * r.batch() * r.tokens();
            String size = r.model().substring(r.model().lastIndexOf('_') + 1); // esm2_t6_8M -> 8M
            String peerKey = size + "/" + (r.mode().equals("full") ? "train" : r.mode()) + "/" + r.batch() + "/"
                    + r.tokens() + "/" + r.threads();
            Double peerTokens = torchTokens.get(peerKey);
            Double peerRss = torchRss.get(peerKey);
            Long kib = rssKib.get(r.threads() + " " + r.model() + " " + r.batch() + "x" + r.tokens() + " " + r.mode());
            Double rss = kib == null ? null : kib / 1024.0;
            out.append(String.format(Locale.ROOT, "| %s | %s | %d x %d | %d | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.model(), r.mode(), r.batch(), r.tokens(), r.threads(), grouped(tokensPerSecond),
                    peerTokens == null ? "-" : grouped(peerTokens), ratio(tokensPerSecond, peerTokens),
                    rss == null ? "-" : grouped(rss), peerRss == null ? "-" : grouped(peerRss), ratio(rss, peerRss),
                    r.allocatedMegabytes()));
        }
        out.append("\nPeer: PyTorch eager float32 (peer_torch_cpu.py, one process per point), the same step on the "
                + "same shapes and CPUs; full = every parameter trains, lora = rank 8 on q and v. Peak RSS is each "
                + "process's high-water mark (esm2j: the JMH fork's VmHWM, heap limit -Xmx4g).\n\n");
    }

    private static String ratio(Double numerator, Double denominator) {
        return numerator == null || denominator == null ? "-"
                : String.format(Locale.ROOT, "%.2f", numerator / denominator);
    }

    /** One training-step measurement: a model shape and mode at B x T on a number of threads. */
    private record TrainRow(String model, String mode, int batch, int tokens, int threads, double opsPerSecond,
            String allocatedMegabytes) {
    }

    /** One forward measurement: a model shape at B x T on a number of threads. */
    private record ForwardRow(String model, int batch, int tokens, int threads, double opsPerSecond,
            String allocatedMegabytes) {
    }

    static double flopsPerToken(Esm2Config c, int tokens) {
        double d = c.embedDim();
        return c.numLayers() * (24 * d * d + 4.0 * tokens * d) + 2 * d * d + 2 * d * c.vocabSize();
    }

    private static String allocatedMegabytes(Map<String, Object> result) {
        Map<String, Object> secondary = map(result.get("secondaryMetrics"));
        Object norm = secondary == null ? null : secondary.get("gc.alloc.rate.norm");
        if (norm == null) {
            return "-";
        }
        double bytesPerOp = number(map(norm).get("score"));
        return String.format(Locale.ROOT, "%.1f", bytesPerOp / 1e6);
    }

    // --- matmul: GFLOP/s against one core's FMA peak

    private void renderMatMul(StringBuilder out, Machine machine) throws IOException {
        out.append("### Linear layer y = x W^T + b (GFLOP/s = 2 rows K N / time)\n\n");
        out.append("| rows x K x N | kernel | ms / op | GFLOP/s | % of one core's peak |\n");
        out.append("|---|---|---|---|---|\n");
        List<Map<String, Object>> results = results(matmulFile);
        List<String> shapes = declaredShapes();
        results.sort(Comparator
                .comparingInt((Map<String, Object> r) -> shapes.indexOf(map(r.get("params")).get("shape")))
                .thenComparingInt(r -> kernelOrder((String) r.get("benchmark"))));
        for (Map<String, Object> result : results) {
            String benchmark = (String) result.get("benchmark");
            String kernel = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            String shape = (String) map(result.get("params")).get("shape");
            String[] dims = shape.split("x");
            double flops = 2.0 * Long.parseLong(dims[0]) * Long.parseLong(dims[1]) * Long.parseLong(dims[2]);
            double opsPerSecond = score(result);
            boolean computes = !kernel.equals("transposeWeight");
            double gflops = opsPerSecond * flops / 1e9;
            String ofPeak = !computes || machine == null || machine.corePeakGflops() <= 0 ? "-"
                    : String.format(Locale.ROOT, "%.0f%%", 100 * gflops / machine.corePeakGflops());
            out.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s | %s |%n", shape.replace("x", " x "),
                    kernelLabel(kernel, machine), 1e3 / opsPerSecond,
                    computes ? String.format(Locale.ROOT, "%.1f", gflops) : "-", ofPeak));
        }
        out.append("\nMatMul.linear and linearSingleThread repack W (out, in) into (in, out) on every call; the "
                + "transpose row times a copy of that shape. The model packs once at load, as the 'W packed once' row does.\n\n");
    }

    /** The shapes in the order MatMulBenchmark declares them (smaller model first). */
    private static List<String> declaredShapes() {
        try {
            return List.of(MatMulBenchmark.class.getField("shape").getAnnotation(Param.class).value());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("MatMulBenchmark has no 'shape' parameter", e);
        }
    }

    private static int kernelOrder(String benchmark) {
        List<String> order = List.of("naive", "transposeWeight", "linearSingleThread", "packedSingleThread", "linear");
        int i = order.indexOf(benchmark.substring(benchmark.lastIndexOf('.') + 1));
        return i < 0 ? order.size() : i;
    }

    private static String kernelLabel(String method, Machine machine) {
        switch (method) {
            case "naive":
                return "naive triple loop (1 thread)";
            case "linearSingleThread":
                return "MatMul.linearSingleThread";
            case "transposeWeight":
                return "transpose W only (1 thread)";
            case "packedSingleThread":
                return "MatMul.linearSingleThread, W packed once";
            case "linear":
                return "MatMul.linear (" + (machine == null ? "all" : machine.cpus()) + " threads)";
            default:
                return method;
        }
    }

    // --- JSON helpers

    private static List<Map<String, Object>> results(Path jmhJson) throws IOException {
        Object parsed = Json.parse(Files.readString(jmhJson, StandardCharsets.UTF_8));
        if (!(parsed instanceof List)) {
            throw new IllegalArgumentException(jmhJson + " is not a JMH JSON result (expected an array)");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Object o : (List<?>) parsed) {
            list.add(map(o));
        }
        return list;
    }

    private static double score(Map<String, Object> result) {
        Map<String, Object> primary = map(result.get("primaryMetric"));
        String unit = (String) primary.get("scoreUnit");
        if (!"ops/s".equals(unit)) {
            throw new IllegalArgumentException("expected throughput in ops/s, got " + unit + " for "
                    + result.get("benchmark"));
        }
        return number(primary.get("score"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static double number(Object o) {
        return o instanceof Number ? ((Number) o).doubleValue() : Double.parseDouble(o.toString());
    }

    private static String grouped(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    // --- the machine

    /**
     * What lscpu says, and the single-core FP32 FMA peak derived from it.
     *
     * @param simdFloats FP32 lanes of the widest FMA the flags advertise; 0 when there is no FMA
     */
    record Machine(String model, int cpus, int simdFloats, double ghz) {
        static Machine fromLscpu(String lscpu) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : lscpu.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            String flags = " " + fields.getOrDefault("Flags", "") + " ";
            int simd = flags.contains(" avx512f ") ? 16 : flags.contains(" fma ") ? 8 : 0;
            // lscpu prints "CPU max MHz" where the hypervisor exposes cpufreq; else the script appends the
            // "cpu MHz" line of /proc/cpuinfo (the base clock seen by the guest).
            String mhz = fields.getOrDefault("CPU max MHz", fields.getOrDefault("cpu MHz", "0"));
            return new Machine(fields.getOrDefault("Model name", "unknown CPU"),
                    Integer.parseInt(fields.getOrDefault("CPU(s)", "0")), simd, Double.parseDouble(mhz) / 1000);
        }

        double corePeakGflops() {
            return FMA_UNITS * simdFloats * 2 * ghz;
        }

        String describe() {
            String isa = simdFloats == 16 ? "AVX-512" : simdFloats == 8 ? "AVX2 + FMA" : "no FMA";
            return String.format(Locale.ROOT, "Machine: %s, %d CPUs, %s, %.2f GHz. One core's FP32 peak assumed "
                    + "%d FMA units x %d floats x 2 FLOP x %.2f GHz = %.1f GFLOP/s (a boost clock above the one "
                    + "shown would raise it; Zen 4 runs AVX-512 on 256-bit pipes, which would halve it).",
                    model, cpus, isa, ghz, FMA_UNITS, simdFloats, ghz, corePeakGflops());
        }
    }
}
