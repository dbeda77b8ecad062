package org.esm2j;

/** User input that cannot be processed: unknown residues, empty or over-long sequences, malformed mutations. */
public class InvalidInputException extends Esm2jException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
