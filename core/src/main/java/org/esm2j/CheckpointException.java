package org.esm2j;

/** A checkpoint or weights file that cannot be read: truncated, corrupted, hostile, or not an ESM-2 model. */
public class CheckpointException extends Esm2jException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
