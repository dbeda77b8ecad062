package org.esm2j.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_BIAS;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_BIAS_POINTER;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_EPILOGUE;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSA;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSB;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasLtContext;
import org.bytedeco.cuda.cublas.cublasLtMatmulDescOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulHeuristicResult_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulPreferenceOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatrixLayoutOpaque_t;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
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

    private final CUstream_st stream;
    private final Policy policy;
    private final Map<Variant, Selection> selections = new LinkedHashMap<>();
    private final cublasLtContext handle = new cublasLtContext();
    private final Pointer workspace = new Pointer();
    private final Map<Shape, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Shape, Plan> eldest) {
            // cuBLASLt reads a plan's descriptors when a matmul is enqueued, so an evicted plan can go at once.
            if (size() > MAX_PLANS) {
                eldest.getValue().destroy();
                return true;
            }
            return false;
        }
    };
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);
    private final LongPointer biasAddress = new LongPointer(1);

    Gemm(CUstream_st stream) {
        this(stream, Policy.fromSystemProperty());
    }

    Gemm(CUstream_st stream, Policy policy) {
        this.stream = stream;
        this.policy = policy;
        CudaCalls.checkBlas(cublas.cublasLtCreate(handle), "cublasLtCreate");
        try {
            CudaCalls.check(cudart.cudaMalloc(workspace, WORKSPACE_BYTES), "cudaMalloc of the cuBLASLt workspace");
        } catch (RuntimeException e) {
            cublas.cublasLtDestroy(handle);
            throw e;
        }
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
     * {@code y = x W^T (+ bias) (+ y)}.
     *
     * @param x device address of (rows, in), xType
     * @param w device address of (out, in), xType
     * @param y device address of (rows, out) with row stride yRowStride, yType
     * @param bias device address of fp32 (out), or 0 for none
     */
    void linear(long x, long w, long y, long bias, Shape s) {
        if (implementationFor(x, w, bias, s, false) == Implementation.ESM2J) {
            handwritten(x, w, y, bias, s, false);
        } else {
            cublasLt(x, w, y, bias, s);
        }
    }

    /**
     * {@code y = gelu(x W^T + bias)} with exact erf-GELU; arguments as {@link #linear}, and {@code s.accumulate()}
     * must be false. With {@code s.bias()} false no bias is added.
     */
    void linearGelu(long x, long w, long y, long bias, Shape s) {
        if (s.accumulate()) {
            throw new IllegalArgumentException("linearGelu cannot accumulate onto y: " + s);
        }
        if (implementationFor(x, w, bias, s, true) == Implementation.ESM2J) {
            handwritten(x, w, y, bias, s, true);
        } else {
            cublasLtThenBiasGelu(x, w, y, bias, s);
        }
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

    private Implementation implementationFor(long x, long w, long bias, Shape s, boolean gelu) {
        Variant key = new Variant(s.withRows(rowBucket(s.rows())), gelu);
        Selection known = selections.get(key);
        if (known != null) {
            return known.chosen();
        }
        boolean supported = HandwrittenMatmul.unsupportedReason(s.in(), s.xType(), s.yType(), gelu, s.accumulate())
                .isEmpty() && HandwrittenMatmul.aligned(x, w);
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
        int[] status = {0};
        CudaCalls.check(cudart.cudaStreamIsCapturing(stream, status), "cudaStreamIsCapturing");
        return status[0] != cudart.cudaStreamCaptureStatusNone;
    }

    /**
     * Mean milliseconds per call of {cuBLASLt, hand-written} into a scratch y; NaN for the hand-written kernel when
     * the library refuses the shape, both NaN when the scratch buffer does not fit in device memory.
     */
    private double[] measure(long x, long w, long bias, Shape s, boolean gelu) {
        long bytes = ((s.rows() - 1) * s.yRowStride() + s.out()) * s.yType().byteSize();
        Pointer scratch = new Pointer();
        try {
            CudaCalls.check(cudart.cudaMalloc(scratch, bytes), "cudaMalloc of " + bytes + " bytes to time " + s);
        } catch (DeviceOutOfMemoryException e) {
            LOG.debug("no scratch memory to time {}: {}", s, e.getMessage());
            return new double[] {Double.NaN, Double.NaN};
        }
        try {
            long y = scratch.address();
            double cublasLtMs = time(gelu ? () -> cublasLtThenBiasGelu(x, w, y, bias, s)
                    : () -> cublasLt(x, w, y, bias, s));
            double esm2jMs;
            try {
                esm2jMs = time(() -> handwritten(x, w, y, bias, s, gelu));
            } catch (CudaException e) {
                if (e.status() == Esm2jCuda.ESM2J_ERROR_CUDA()) {
                    throw e;
                }
                LOG.debug("the hand-written matmul refused {}: {}", s, e.getMessage());
                esm2jMs = Double.NaN;
            }
            return new double[] {cublasLtMs, esm2jMs};
        } finally {
            CudaCalls.check(cudart.cudaFree(scratch), "cudaFree of the matmul timing scratch");
        }
    }

    private double time(Runnable work) {
        CUevent_st start = new CUevent_st();
        CUevent_st stop = new CUevent_st();
        CudaCalls.check(cudart.cudaEventCreate(start), "cudaEventCreate");
        try {
            CudaCalls.check(cudart.cudaEventCreate(stop), "cudaEventCreate");
            try {
                for (int i = 0; i < WARMUP_RUNS; i++) {
                    work.run();
                }
                CudaCalls.check(cudart.cudaEventRecord(start, stream), "cudaEventRecord");
                for (int i = 0; i < TIMED_RUNS; i++) {
                    work.run();
                }
                CudaCalls.check(cudart.cudaEventRecord(stop, stream), "cudaEventRecord");
                CudaCalls.check(cudart.cudaEventSynchronize(stop), "cudaEventSynchronize");
                float[] ms = {0};
                CudaCalls.check(cudart.cudaEventElapsedTime(ms, start, stop), "cudaEventElapsedTime");
                return ms[0] / TIMED_RUNS;
            } finally {
                cudart.cudaEventDestroy(stop);
            }
        } finally {
            cudart.cudaEventDestroy(start);
        }
    }

    private void handwritten(long x, long w, long y, long bias, Shape s, boolean gelu) {
        HandwrittenMatmul.forward(x, w, y, s.bias() ? bias : 0, s.rows(), s.in(), s.out(), s.in(), s.in(),
                s.yRowStride(), s.xType(), s.yType(), gelu, s.accumulate(), stream);
    }

    /** The unfused GELU path: the product without bias, then bias + GELU in place. */
    private void cublasLtThenBiasGelu(long x, long w, long y, long bias, Shape s) {
        Shape product = new Shape(s.rows(), s.in(), s.out(), s.yRowStride(), s.xType(), s.yType(), false, false);
        cublasLt(x, w, y, 0, product);
        DeviceMatrix out = new DeviceMatrix(address(y), s.yType(), s.rows(), s.out(), s.yRowStride());
        CudaKernels.biasGelu(out, out, s.bias() ? new FloatPointer(address(bias)) : null, stream);
    }

    private void cublasLt(long x, long w, long y, long bias, Shape s) {
        Plan plan = plans.get(s);
        if (plan == null) {
            plan = new Plan(s, bias);
            plans.put(s, plan);
        }
        if (s.bias()) {
            plan.setBias(bias);
        }
        CudaCalls.checkBlas(cublas.cublasLtMatmul(handle, plan.desc, one, address(w), plan.a, address(x), plan.b,
                s.accumulate() ? one : zero, address(y), plan.c, address(y), plan.c, plan.heuristic.algo(), workspace,
                WORKSPACE_BYTES, stream), "cublasLtMatmul " + s);
    }

    static int cudaType(DType t) {
        return switch (t) {
            case BF16 -> cudart.CUDA_R_16BF;
            case F16 -> cudart.CUDA_R_16F;
            case F32 -> cudart.CUDA_R_32F;
            default -> throw new IllegalArgumentException("no cuBLASLt type for " + t);
        };
    }

    static Pointer address(long deviceAddress) {
        return new Pointer() {
            {
                address = deviceAddress;
            }
        };
    }

    private final class Plan {
        final cublasLtMatmulDescOpaque_t desc;
        final cublasLtMatrixLayoutOpaque_t a;
        final cublasLtMatrixLayoutOpaque_t b;
        final cublasLtMatrixLayoutOpaque_t c;
        final cublasLtMatmulHeuristicResult_t heuristic = new cublasLtMatmulHeuristicResult_t();
        private final List<Pointer> owned = new ArrayList<>();

        Plan(Shape s, long bias) {
            try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
                CudaCalls.checkBlas(cublas.cublasLtMatmulDescCreate(out, CUBLAS_COMPUTE_32F, cudart.CUDA_R_32F),
                        "cublasLtMatmulDescCreate");
                desc = new cublasLtMatmulDescOpaque_t(out.get(0));
                setInt(CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T);
                setInt(CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
                setInt(CUBLASLT_MATMUL_DESC_EPILOGUE, s.bias() ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT);
                if (s.bias()) {
                    setBias(bias);
                    if (s.yType() != DType.F32) {
                        // Unless told, cuBLASLt reads the bias in y's type; ours is fp32 whatever y's type is.
                        setInt(CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, cudart.CUDA_R_32F);
                    }
                }
                // Column-major views: A = W^T stored (in x out), B = x^T (in x rows), C = y^T (out x rows).
                a = layout(out, cudaType(s.xType()), s.in(), s.out(), s.in());
                b = layout(out, cudaType(s.xType()), s.in(), s.rows(), s.in());
                c = layout(out, cudaType(s.yType()), s.out(), s.rows(), s.yRowStride());
            }
            cublasLtMatmulPreferenceOpaque_t preference;
            try (PointerPointer<Pointer> out = new PointerPointer<>(1);
                    LongPointer limit = new LongPointer(1).put(WORKSPACE_BYTES)) {
                CudaCalls.checkBlas(cublas.cublasLtMatmulPreferenceCreate(out), "cublasLtMatmulPreferenceCreate");
                preference = new cublasLtMatmulPreferenceOpaque_t(out.get(0));
                CudaCalls.checkBlas(cublas.cublasLtMatmulPreferenceSetAttribute(preference,
                        CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, limit, Long.BYTES), "set max workspace");
            }
            int[] found = {0};
            try {
                CudaCalls.checkBlas(cublas.cublasLtMatmulAlgoGetHeuristic(handle, desc, a, b, c, c, preference, 1,
                        heuristic, found), "cublasLtMatmulAlgoGetHeuristic " + s);
            } finally {
                cublas.cublasLtMatmulPreferenceDestroy(preference);
            }
            if (found[0] < 1) {
                throw new CudaException(Esm2jCuda.ESM2J_ERROR_UNSUPPORTED(), "cuBLASLt has no algorithm for " + s);
            }
        }

        private cublasLtMatrixLayoutOpaque_t layout(PointerPointer<Pointer> out, int type, long rows, long cols,
                long ld) {
            CudaCalls.checkBlas(cublas.cublasLtMatrixLayoutCreate(out, type, rows, cols, ld),
                    "cublasLtMatrixLayoutCreate");
            cublasLtMatrixLayoutOpaque_t layout = new cublasLtMatrixLayoutOpaque_t(out.get(0));
            owned.add(layout);
            return layout;
        }

        private void setInt(int attribute, int value) {
            try (IntPointer v = new IntPointer(1).put(value)) {
                CudaCalls.checkBlas(cublas.cublasLtMatmulDescSetAttribute(desc, attribute, v, Integer.BYTES),
                        "cublasLtMatmulDescSetAttribute " + attribute);
            }
        }

        void setBias(long bias) {
            biasAddress.put(bias);
            CudaCalls.checkBlas(cublas.cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                    biasAddress, Long.BYTES), "set bias pointer");
        }

        void destroy() {
            for (Pointer layout : owned) {
                cublas.cublasLtMatrixLayoutDestroy((cublasLtMatrixLayoutOpaque_t) layout);
            }
            cublas.cublasLtMatmulDescDestroy(desc);
            heuristic.close();
        }
    }

    @Override
    public void close() {
        plans.values().forEach(Plan::destroy);
        plans.clear();
        cudart.cudaFree(workspace);
        cublas.cublasLtDestroy(handle);
        one.close();
        zero.close();
        biasAddress.close();
    }
}
