package org.esm2j;

/**
 * The one error type the library throws for bad input, bad files and failed operations. Subclasses say which kind;
 * messages name the record, position, tensor or argument at fault.
 */
public class Esm2jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Esm2jException(String message) {
        super(message);
    }

    public Esm2jException(String message, Throwable cause) {
        super(message, cause);
    }
}
