package io.muster.cli;

/** The operation failed for a reason the user can act on; the message is printed as one line and the exit code is 1. */
public final class CliFailure extends RuntimeException {
    public CliFailure(String message) {
        super(message);
    }

    public CliFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
