package org.esm2j.hub;

import org.esm2j.Esm2jException;

/**
 * A released model that cannot be made available locally: unknown name, file missing in offline mode, network or
 * HTTP failure, or a download that does not match what the server announced.
 */
public class HubException extends Esm2jException {
    private static final long serialVersionUID = 1L;

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
