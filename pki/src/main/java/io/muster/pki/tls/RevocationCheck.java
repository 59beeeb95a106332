package io.muster.pki.tls;

import io.muster.pki.Identity;
import java.math.BigInteger;

/**
 * Asks whether a certificate has been revoked. The server plugs in its replicated deny-list; the trust manager
 * calls this on every handshake, so implementations must be fast and non-blocking (an in-memory lookup).
 * An exception thrown here fails the handshake: revocation is fail-closed.
 */
@FunctionalInterface
public interface RevocationCheck {
    /** Nothing is revoked. For tests and for servers that have no deny-list yet. */
    RevocationCheck NONE = (identity, serial) -> false;

    boolean isRevoked(Identity identity, BigInteger serial);
}
