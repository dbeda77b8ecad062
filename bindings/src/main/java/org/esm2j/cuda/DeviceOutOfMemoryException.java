package org.esm2j.cuda;

/**
 * The device had too little free memory for a forward pass or the weights. The runtime that raised it has released
 * its activation memory and stays usable: a smaller batch (token budget) may fit.
 */
public class DeviceOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    public DeviceOutOfMemoryException(String message) {
        super(Esm2jCuda.ESM2J_ERROR_CUDA, message);
    }
}
