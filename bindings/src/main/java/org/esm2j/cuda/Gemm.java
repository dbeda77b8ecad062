package org.esm2j.cuda;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.DType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linear layers {@code y = x W^T (+ bias) (+ y)}, x (rows, in) and W (out, in) row-major in a 16-bit dtype, fp32
 * accumulation, y (rows, out) in the activation dtype or fp32, on cuBLASLt or on the hand-written tensor-core kernel
 * ({@link HandwrittenMatmul}), whichever is faster for the shape.
 *
 * <p>cuBLASLt: row-major y is column-major y^T, so cuBLASLt computes y^T = W x^T with W transposed. The bias epilogue
 * adds a per-output-column fp32 bias, and with {@code accumulate} the product is added onto y (beta = 1): out_proj and
 * fc2 add straight into the fp32 residual stream. Plans (descriptors, layouts and the heuristic's algorithm) are
 * cached per shape, the {@value #MAX_PLANS} most recently used of them: packed batches give almost every batch its own
 * row count, so an unbounded cache would grow for the life of a long job.
 *
 * <p>Selection: on the first use of a shape (with or without GELU) that the hand-written kernel supports, both are
 * timed on the stream with CUDA events ({@value #WARMUP_RUNS} warm-up and {@value #TIMED_RUNS} timed runs each). They
 * write into a scratch buffer, never into the caller's y, which {@code accumulate} reads; x, W and the bias are only
 * read. The faster is kept for every shape in the same row bucket ({@link #rowBucket}: rows rounded down to a power
 * of two), so that batches of slightly different sizes are not timed again and again; it is logged once at DEBUG with
 * both times, and listed by {@link #selections()}.
 * First uses must therefore run eagerly, not inside a CUDA graph capture (there cuBLASLt runs, untimed, until an eager
 * use). {@code -Desm2j.matmul=auto|cublaslt|esm2j} (default {@code auto}) forces one; {@code esm2j} still uses
 * cuBLASLt for shapes its kernel cannot run (in not a multiple of 8, fp32 inputs, unaligned operands).
 *
 * <p>{@link #linearGelu} is {@code y = gelu(x W^T + bias)} (fc1, the LM head's dense): one fused kernel when the
 * hand-written kernel is chosen, cuBLASLt followed by the bias-GELU kernel otherwise. Not thread-safe.
 */
final class Gemm implements AutoCloseable {
    static final long WORKSPACE_BYTES = 32L << 20;
    static final int WARMUP_RUNS = 2;
    static final int TIMED_RUNS = 5;
    static final int MAX_PLANS = 64;

    private static final Logger LOG = LoggerFactory.getLogger(Gemm.class);

    /** Which implementation runs a shape. */
    enum Implementation {
        CUBLASLT, ESM2J
    }

    /** The {@code esm2j.matmul} system property: measure and pick per shape, or force one implementation. */
    enum Policy {
        AUTO, CUBLASLT, ESM2J;

        static final String PROPERTY = "esm2j.matmul";

        static Policy parse(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "cublaslt" -> CUBLASLT;
                case "esm2j" -> ESM2J;
                default -> throw new InvalidInputException(
                        "-D" + PROPERTY + " must be auto, cublaslt or esm2j, got '" + value + "'");
            };
        }

        static Policy fromSystemProperty() {
            return parse(System.getProperty(PROPERTY, "auto"));
        }
    }

    /**
     * The implementation chosen for a shape, with the mean milliseconds per call measured for each (NaN where not
     * measured: a forced policy, a shape the hand-written kernel cannot run, no memory for the scratch buffer).
     */
    record Selection(Shape shape, boolean gelu, double cublasLtMs, double esm2jMs, Implementation chosen) {
        /** cuBLASLt time over hand-written time: above 1 the hand-written kernel is faster. */
        double ratio() {
            return cublasLtMs / esm2jMs;
        }
    }

    private final Pointer stream;
    private final Policy policy;
    private final CublasLt cublasLt; // null on the emulator
    private final Map<Variant, Selection> selections = new LinkedHashMap<>();
    Gemm(Pointer stream) {
        this(stream, Policy.fromSystemProperty());
    }

    Gemm(Pointer stream, Policy policy) {
        this.stream = stream;
        // cuBLASLt is not emulated: on the CPU emulator every shape runs on the hand-written kernel.
        boolean emulated = CudaDevice.emulated();
        this.policy = emulated ? Policy.ESM2J : policy;
        this.cublasLt = emulated ? null : new CublasLt(stream);
    }

    /** What selects a plan: dims, dtypes, epilogue and accumulation. */
    record Shape(long rows, long in, long out, long yRowStride, DType xType, DType yType, boolean bias,
            boolean accumulate) {
        Shape withRows(long newRows) {
            return new Shape(newRows, in, out, yRowStride, xType, yType, bias, accumulate);
        }
    }

    /** The row bucket a selection is shared by: rows rounded down to a power of two (0 stays 0). */
    static long rowBucket(long rows) {
        return Long.highestOneBit(rows);
    }

    /** A shape (rows as their bucket) with or without the fused GELU: what a selection is kept for. */
    private record Variant(Shape shape, boolean gelu) {}

    /**
     * {@code y = x W^T (+ bias) (+ y)}. Each buffer must hold the shape's dtype and at least the elements it names.
     *
     * @param x (rows, in), xType
     * @param w (out, in), xType
     * @param y (rows, out) with row stride yRowStride, yType
     * @param bias fp32 (out), read when {@code s.bias()}; may be null otherwise
     */
    void linear(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Shape s) {
        requireOperands(x, w, y, bias, s);
        if (implementationFor(x, w, bias, s, false) == Implementation.ESM2J) {
            handwritten(x, w, y, bias, s, false);
        } else {
            runCublasLt(x, w, y, bias, s);
        }
    }

    /**
     * {@code y = gelu(x W^T + bias)} with exact erf-GELU; arguments as {@link #linear}, and {@code s.accumulate()}
     * must be false. With {@code s.bias()} false no bias is added.
     */
    void linearGelu(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Shape s) {
        if (s.accumulate()) {
            throw new IllegalArgumentException("linearGelu cannot accumulate onto y: " + s);
        }
        requireOperands(x, w, y, bias, s);
        if (implementationFor(x, w, bias, s, true) == Implementation.ESM2J) {
            handwritten(x, w, y, bias, s, true);
        } else {
            cublasLtThenBiasGelu(x, w, y, bias, s);
        }
    }

    /** Checks the operands' dtypes and lengths against the shape, naming the operand. */
    private static void requireOperands(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Shape s) {
        x.require(s.xType(), Math.multiplyExact(s.rows(), s.in()));
        w.require(s.xType(), Math.multiplyExact(s.out(), s.in()));
        y.require(s.yType(), yElements(s));
        if (s.bias()) {
            if (bias == null) {
                throw new IllegalArgumentException("the shape has a bias but none was given: " + s);
            }
            bias.require(DType.F32, s.out());
        }
    }

    /** Elements y spans: (rows - 1) row strides and one row. */
    private static long yElements(Shape s) {
        return s.rows() == 0 ? 0 : Math.addExact(Math.multiplyExact(s.rows() - 1, s.yRowStride()), s.out());
    }

    /** Device bytes of the cuBLASLt workspace: none on the emulator. */
    long workspaceBytes() {
        return cublasLt != null ? WORKSPACE_BYTES : 0;
    }

    /** Every shape's choice so far, in order of first use, with the measured times. */
    List<Selection> selections() {
        return List.copyOf(selections.values());
    }

    /**
     * The rule: a forced cuBLASLt or a shape the hand-written kernel cannot run gets cuBLASLt; a forced esm2j gets the
     * hand-written kernel; auto keeps the strictly faster of the two measured times (cuBLASLt when either is NaN).
     */
    static Implementation choose(Policy policy, boolean supported, double cublasLtMs, double esm2jMs) {
        if (policy == Policy.CUBLASLT || !supported) {
            return Implementation.CUBLASLT;
        }
        if (policy == Policy.ESM2J) {
            return Implementation.ESM2J;
        }
        return esm2jMs < cublasLtMs ? Implementation.ESM2J : Implementation.CUBLASLT;
    }

    /** Both implementations are timed only when the choice depends on it. */
    static boolean needsTiming(Policy policy, boolean supported) {
        return policy == Policy.AUTO && supported;
    }

    /** Markdown table of selections: shape, epilogue, both times, the ratio and the choice. */
    static String selectionTable(List<Selection> selections) {
        StringBuilder table = new StringBuilder(
                "| rows x in x out | x -> y | epilogue | cuBLASLt ms | esm2j ms | cuBLASLt/esm2j | chosen |\n"
                        + "|---|---|---|---|---|---|---|\n");
        for (Selection sel : selections) {
            Shape s = sel.shape();
            table.append(String.format(Locale.ROOT, "| %d x %d x %d | %s -> %s | %s | %.4f | %.4f | %.2f | %s |%n",
                    s.rows(), s.in(), s.out(), s.xType(), s.yType(), epilogueName(s, sel.gelu()), sel.cublasLtMs(),
                    sel.esm2jMs(), sel.ratio(), sel.chosen()));
        }
        return table.toString();
    }

    static String epilogueName(Shape s, boolean gelu) {
        String bias = s.bias() ? "bias" : "";
        if (gelu) {
            return bias.isEmpty() ? "gelu" : "bias+gelu";
        }
        if (s.accumulate()) {
            return bias.isEmpty() ? "acc" : "bias+acc";
        }
        return bias.isEmpty() ? "none" : bias;
    }

    private Implementation implementationFor(DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Shape s,
            boolean gelu) {
        Variant key = new Variant(s.withRows(rowBucket(s.rows())), gelu);
        Selection known = selections.get(key);
        if (known != null) {
            return known.chosen();
        }
        boolean supported = HandwrittenMatmul.unsupportedReason(s.in(), s.xType(), s.yType(), gelu, s.accumulate())
                .isEmpty() && HandwrittenMatmul.aligned(x.address(), w.address());
        boolean timing = needsTiming(policy, supported) && s.rows() > 0;
        if (timing && capturing()) {
            return Implementation.CUBLASLT; // decided at the next eager use
        }
        double[] ms = timing ? measure(x, w, bias, s, gelu) : new double[] {Double.NaN, Double.NaN};
        Selection chosen = new Selection(s, gelu, ms[0], ms[1], choose(policy, supported, ms[0], ms[1]));
        selections.put(key, chosen);
        LOG.debug("matmul {} x {} x {} {} -> {} {}: cuBLASLt {} ms, esm2j {} ms, policy {}: {}", s.rows(), s.in(),
                s.out(), s.xType(), s.yType(), epilogueName(s, gelu), ms[0], ms[1], policy, chosen.chosen());
        return chosen.chosen();
    }

    private boolean capturing() {
        return CudaDevice.capturing(stream);
    }

    /**
     * Mean milliseconds per call of {cuBLASLt, hand-written} into a scratch y; NaN for the hand-written kernel when
     * the library refuses the shape, both NaN when the scratch buffer does not fit in device memory.
     */
    private double[] measure(DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, Shape s, boolean gelu) {
        DeviceBuffer y;
        try {
            y = DeviceBuffer.allocate(s.yType(), yElements(s), "the matmul timing scratch of " + s);
        } catch (DeviceOutOfMemoryException e) {
            LOG.debug("no scratch memory to time {}: {}", s, e.getMessage());
            return new double[] {Double.NaN, Double.NaN};
        }
        try {
            double cublasLtMs = time(gelu ? () -> cublasLtThenBiasGelu(x, w, y, bias, s)
                    : () -> runCublasLt(x, w, y, bias, s));
            double esm2jMs;
            try {
                esm2jMs = time(() -> handwritten(x, w, y, bias, s, gelu));
            } catch (CudaException e) {
                if (e.status() == Esm2jCuda.ESM2J_ERROR_CUDA) {
                    throw e;
                }
                LOG.debug("the hand-written matmul refused {}: {}", s, e.getMessage());
                esm2jMs = Double.NaN;
            }
            return new double[] {cublasLtMs, esm2jMs};
        } finally {
            y.close();
        }
    }

    private double time(Runnable work) {
        Pointer start = CudaDevice.createEvent();
        try {
            Pointer stop = CudaDevice.createEvent();
            try {
                for (int i = 0; i < WARMUP_RUNS; i++) {
                    work.run();
                }
                CudaDevice.record(start, stream);
                for (int i = 0; i < TIMED_RUNS; i++) {
                    work.run();
                }
                CudaDevice.record(stop, stream);
                return CudaDevice.elapsedMs(start, stop) / TIMED_RUNS;
            } finally {
                Esm2jCuda.esm2j_event_destroy(stop);
            }
        } finally {
            Esm2jCuda.esm2j_event_destroy(start);
        }
    }

    private void handwritten(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Shape s,
            boolean gelu) {
        HandwrittenMatmul.forward(x.address(), w.address(), y.address(), s.bias() ? bias.address() : 0, s.rows(),
                s.in(), s.out(), s.in(), s.in(), s.yRowStride(), s.xType(), s.yType(), gelu, s.accumulate(), stream);
    }

    /** The unfused GELU path: the product without bias, then bias + GELU in place. */
    private void cublasLtThenBiasGelu(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Shape s) {
        Shape product = new Shape(s.rows(), s.in(), s.out(), s.yRowStride(), s.xType(), s.yType(), false, false);
        runCublasLt(x, w, y, null, product);
        DeviceMatrix out = y.matrix(s.rows(), s.out(), s.yRowStride());
        CudaKernels.biasGelu(out, out, s.bias() ? bias.floats() : null, stream);
    }

    private void runCublasLt(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Shape s) {
        if (cublasLt == null) {
            throw new CudaException(Esm2jCuda.ESM2J_ERROR_UNSUPPORTED, "cuBLASLt is not emulated, and the "
                    + "hand-written matmul cannot run " + s + " (in must be a multiple of 8, 16-bit inputs, aligned "
                    + "operands)");
        }
        cublasLt.matmul(x, w, y, bias, s);
    }

    @Override
    public void close() {
        if (cublasLt != null) {
            cublasLt.close();
        }
    }
}
