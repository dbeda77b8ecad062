package org.esm2j.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_BIAS;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_BIAS_POINTER;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_EPILOGUE;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSA;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSB;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasLtContext;
import org.bytedeco.cuda.cublas.cublasLtMatmulDescOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulHeuristicResult_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulPreferenceOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatrixLayoutOpaque_t;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.esm2j.tensor.DType;

/**
 * Linear layers through cuBLASLt: {@code y = x W^T (+ bias) (+ y)}, x (rows, in) and W (out, in) row-major in a
 * 16-bit dtype, fp32 accumulation, y (rows, out) in the activation dtype or fp32. Row-major y is column-major y^T, so
 * cuBLASLt computes y^T = W x^T with W transposed. The bias epilogue adds a per-output-column fp32 bias, and with
 * {@code accumulate} the product is added onto y (beta = 1): out_proj and fc2 add straight into the fp32 residual
 * stream. Plans (descriptors, layouts and the heuristic's algorithm) are cached per shape. Not thread-safe.
 */
final class Gemm implements AutoCloseable {
    static final long WORKSPACE_BYTES = 32L << 20;

    private final CUstream_st stream;
    private final cublasLtContext handle = new cublasLtContext();
    private final Pointer workspace = new Pointer();
    private final Map<Shape, Plan> plans = new HashMap<>();
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);
    private final LongPointer biasAddress = new LongPointer(1);

    Gemm(CUstream_st stream) {
        this.stream = stream;
        CudaCalls.checkBlas(cublas.cublasLtCreate(handle), "cublasLtCreate");
        CudaCalls.check(cudart.cudaMalloc(workspace, WORKSPACE_BYTES), "cudaMalloc of the cuBLASLt workspace");
    }

    /** What selects a plan: dims, dtypes, epilogue and accumulation. */
    record Shape(long rows, long in, long out, long yRowStride, DType xType, DType yType, boolean bias,
            boolean accumulate) {}

    /**
     * @param x device address of (rows, in), xType
     * @param w device address of (out, in), xType
     * @param y device address of (rows, out) with row stride yRowStride, yType
     * @param bias device address of fp32 (out), or 0 for none
     * @param accumulate add onto the existing y instead of overwriting it
     */
    void linear(long x, long w, long y, long bias, Shape s) {
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
