package io.muster.pki;

import java.util.Objects;

/** A certificate signing request was refused. The message names the problem; {@link #reason()} classifies it. */
public final class CsrException extends Exception {
    public enum Reason {
        /** Not a DER PKCS#10 request. */
        MALFORMED,
        /** Larger than {@link Csrs#MAX_CSR_BYTES}. */
        TOO_LARGE,
        /** The signature does not verify with the request's own public key (no proof of possession). */
        BAD_SIGNATURE,
        /** A signature algorithm Muster does not accept (e.g. SHA-1 based). */
        UNSUPPORTED_SIGNATURE_ALGORITHM,
        /** A supported key type that is too small (RSA below 2048 bits). */
        WEAK_KEY,
        /** A key type or curve Muster does not certify. */
        UNSUPPORTED_KEY
    }

    private final Reason reason;

    public CsrException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
