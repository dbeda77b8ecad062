package org.esm2j.cuda;

import org.esm2j.Esm2jException;

/** A failed call into libesm2j_cuda or the CUDA runtime; the message carries the native error text with file:line. */
public class CudaException extends Esm2jException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public CudaException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The esm2j_status code the native call returned. */
    public int status() {
        return status;
    }
}
