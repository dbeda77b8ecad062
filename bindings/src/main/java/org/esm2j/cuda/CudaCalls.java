package org.esm2j.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;

/** Turns CUDA runtime and cuBLASLt status codes into exceptions that name the call. */
final class CudaCalls {
    private CudaCalls() {}

    /** Throws for any status but cudaSuccess; an allocation failure becomes a {@link DeviceOutOfMemoryException}. */
    static void check(int error, String call) {
        if (error == cudart.cudaSuccess) {
            return;
        }
        String text = cudart.cudaGetErrorString(error).getString();
        if (error == cudart.cudaErrorMemoryAllocation) {
            cudart.cudaGetLastError(); // an allocation failure is not sticky: clear it so later calls start clean
            throw new DeviceOutOfMemoryException(call + " failed: " + text);
        }
        throw new CudaException(Esm2jCuda.ESM2J_ERROR_CUDA(), call + " failed: " + text + " (cuda error " + error + ")");
    }

    static void checkBlas(int status, String call) {
        if (status == cublas.CUBLAS_STATUS_SUCCESS) {
            return;
        }
        String text = cublas.cublasLtGetStatusString(status).getString();
        if (status == cublas.CUBLAS_STATUS_ALLOC_FAILED) {
            throw new DeviceOutOfMemoryException(call + " failed: " + text);
        }
        throw new CudaException(Esm2jCuda.ESM2J_ERROR_CUDA(), call + " failed: " + text + " (cublas status " + status
                + ")");
    }
}
