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
 * The cuBLASLt side of {@link Gemm} (see there for the layouts and the plan cache), from the CUDA presets: the one
 * part of the backend that does not go through libesm2j_cuda, and so the one part the CPU emulator lacks. This class
 * is only loaded on a device: the presets' JNI library needs the driver.
 */
final class CublasLt implements AutoCloseable {
    private final CUstream_st stream;
    private final cublasLtContext handle = new cublasLtContext();
    private final DeviceBuffer workspace;
    private final Map<Gemm.Shape, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Gemm.Shape, Plan> eldest) {
            // cuBLASLt reads a plan's descriptors when a matmul is enqueued, so an evicted plan can go at once.
            if (size() > Gemm.MAX_PLANS) {
                eldest.getValue().destroy();
                return true;
            }
            return false;
        }
    };
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);
    private final LongPointer biasAddress = new LongPointer(1);


    CublasLt(Pointer stream) {
        this.stream = new CUstream_st(stream);
        checkBlas(cublas.cublasLtCreate(handle), "cublasLtCreate");
        try {
            workspace = DeviceBuffer.allocate(DType.U8, Gemm.WORKSPACE_BYTES, "the cuBLASLt workspace");
        } catch (RuntimeException e) {
            cublas.cublasLtDestroy(handle);
            throw e;
        }
    }

    /** {@code y = x W^T (+ bias) (+ y)}, as {@link Gemm#linear}, which has checked the operands. */
    void matmul(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer bias, Gemm.Shape s) {
        long biasData = s.bias() ? bias.address() : 0;
        Plan plan = plans.get(s);
        if (plan == null) {
            plan = new Plan(s, biasData);
            plans.put(s, plan);
        }
        if (s.bias()) {
            plan.setBias(biasData);
        }
        Pointer out = y.pointer();
        checkBlas(cublas.cublasLtMatmul(handle, plan.desc, one, w.pointer(), plan.a, x.pointer(), plan.b,
                s.accumulate() ? one : zero, out, plan.c, out, plan.c, plan.heuristic.algo(), workspace.pointer(),
                Gemm.WORKSPACE_BYTES, stream), "cublasLtMatmul " + s);
    }

    static int cudaType(DType t) {
        return switch (t) {
            case BF16 -> cudart.CUDA_R_16BF;
            case F16 -> cudart.CUDA_R_16F;
            case F32 -> cudart.CUDA_R_32F;
            default -> throw new IllegalArgumentException("no cuBLASLt type for " + t);
        };
    }


    private static void checkBlas(int status, String call) {
        if (status == cublas.CUBLAS_STATUS_SUCCESS) {
            return;
        }
        String text = cublas.cublasLtGetStatusString(status).getString();
        if (status == cublas.CUBLAS_STATUS_ALLOC_FAILED) {
            throw new DeviceOutOfMemoryException(call + " failed: " + text);
        }
        throw new CudaException(Esm2jCuda.ESM2J_ERROR_CUDA, call + " failed: " + text + " (cublas status " + status
                + ")");
    }

    private final class Plan {
        final cublasLtMatmulDescOpaque_t desc;
        final cublasLtMatrixLayoutOpaque_t a;
        final cublasLtMatrixLayoutOpaque_t b;
        final cublasLtMatrixLayoutOpaque_t c;
        final cublasLtMatmulHeuristicResult_t heuristic = new cublasLtMatmulHeuristicResult_t();
        private final List<Pointer> owned = new ArrayList<>();

        Plan(Gemm.Shape s, long bias) {
            try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
                checkBlas(cublas.cublasLtMatmulDescCreate(out, CUBLAS_COMPUTE_32F, cudart.CUDA_R_32F),
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
                    LongPointer limit = new LongPointer(1).put(Gemm.WORKSPACE_BYTES)) {
                checkBlas(cublas.cublasLtMatmulPreferenceCreate(out), "cublasLtMatmulPreferenceCreate");
                preference = new cublasLtMatmulPreferenceOpaque_t(out.get(0));
                checkBlas(cublas.cublasLtMatmulPreferenceSetAttribute(preference,
                        CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, limit, Long.BYTES), "set max workspace");
            }
            int[] found = {0};
            try {
                checkBlas(cublas.cublasLtMatmulAlgoGetHeuristic(handle, desc, a, b, c, c, preference, 1,
                        heuristic, found), "cublasLtMatmulAlgoGetHeuristic " + s);
            } finally {
                cublas.cublasLtMatmulPreferenceDestroy(preference);
            }
            if (found[0] < 1) {
                throw new CudaException(Esm2jCuda.ESM2J_ERROR_UNSUPPORTED, "cuBLASLt has no algorithm for " + s);
            }
        }

        private cublasLtMatrixLayoutOpaque_t layout(PointerPointer<Pointer> out, int type, long rows, long cols,
                long ld) {
            checkBlas(cublas.cublasLtMatrixLayoutCreate(out, type, rows, cols, ld),
                    "cublasLtMatrixLayoutCreate");
            cublasLtMatrixLayoutOpaque_t layout = new cublasLtMatrixLayoutOpaque_t(out.get(0));
            owned.add(layout);
            return layout;
        }

        private void setInt(int attribute, int value) {
            try (IntPointer v = new IntPointer(1).put(value)) {
                checkBlas(cublas.cublasLtMatmulDescSetAttribute(desc, attribute, v, Integer.BYTES),
                        "cublasLtMatmulDescSetAttribute " + attribute);
            }
        }

        void setBias(long bias) {
            biasAddress.put(bias);
            checkBlas(cublas.cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
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
        workspace.closeQuietly();
        cublas.cublasLtDestroy(handle);
        one.close();
        zero.close();
        biasAddress.close();
    }
}
