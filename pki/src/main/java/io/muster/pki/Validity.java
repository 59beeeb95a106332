package io.muster.pki;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** A certificate validity window, computed against the issuing CA so a certificate never outlives its issuer. */
record Validity(Instant notBefore, Instant notAfter) {
    /** Backdating absorbs clock skew between the issuer and verifiers whose clocks run a little behind. */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    static Validity of(Instant now, Duration lifetime) {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("certificate lifetime must be positive, got " + io.muster.types.HumanDuration.of(lifetime));
        }
        // X.509 times have one-second resolution; truncating keeps the encoded and the computed values identical.
        Instant start = now.truncatedTo(ChronoUnit.SECONDS);
        return new Validity(start.minus(BACKDATE), start.plus(lifetime));
    }

    /** Within {@code issuer}'s lifetime: refuses an issuer not valid at {@code now} and clamps notAfter to the issuer's. */
    static Validity issuedBy(X509Certificate issuer, Instant now, Duration lifetime) {
        Validity wanted = of(now, lifetime);
        Instant issuerNotBefore = issuer.getNotBefore().toInstant();
        Instant issuerNotAfter = issuer.getNotAfter().toInstant();
        String name = issuer.getSubjectX500Principal().getName();
        if (now.isAfter(issuerNotAfter)) {
            throw new IllegalStateException("cannot issue: CA " + name + " expired at " + issuerNotAfter);
        }
        if (now.isBefore(issuerNotBefore)) {
            throw new IllegalStateException("cannot issue: CA " + name + " is not valid until " + issuerNotBefore);
        }
        Instant notAfter = wanted.notAfter().isAfter(issuerNotAfter) ? issuerNotAfter : wanted.notAfter();
        return new Validity(wanted.notBefore(), notAfter);
    }
}
