package io.muster.worker.identity;

/** The worker's identity files or a certificate a server sent cannot be used; the message says why. */
public final class IdentityException extends Exception {
    public IdentityException(String message) {
        super(message);
    }

    public IdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
