package io.muster.pki.token;

import java.util.Objects;

/**
 * A join token was refused. Messages describe the problem but never contain the token text or the key:
 * tokens are bearer secrets and these messages end up in logs.
 */
public final class TokenException extends Exception {
    public enum Reason {
        /** Not a Muster token, or its structure is invalid. */
        MALFORMED,
        /** Structurally a token but cut short (typically a partial copy-paste). */
        TRUNCATED,
        /** A token format version this build does not understand. */
        UNSUPPORTED_VERSION,
        /** The MAC does not match: the token was altered or was signed with another key. */
        BAD_SIGNATURE,
        /** Past its expiry (beyond the allowed clock skew). */
        EXPIRED,
        /** Issued later than now plus the allowed clock skew: a clock is wrong. */
        ISSUED_IN_FUTURE,
        /** Issued for another cluster. */
        WRONG_CLUSTER
    }

    private final Reason reason;

    public TokenException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
