package io.muster.server.raft;

/** A write could not be committed: no leader, or no quorum. The message says which and why. */
public final class RaftUnavailableException extends RuntimeException {
    public RaftUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
