package io.muster.worker;

/**
 * The worker cannot go on, for a reason an operator has to fix (refused registration, unusable identity files,
 * missing token...). The message names the problem and never contains the join token or key material.
 */
public class WorkerException extends RuntimeException {
    public WorkerException(String message) {
        super(message);
    }

    public WorkerException(String message, Throwable cause) {
        super(message, cause);
    }
}
