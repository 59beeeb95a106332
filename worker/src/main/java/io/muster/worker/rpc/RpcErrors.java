package io.muster.worker.rpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashSet;
import java.util.Set;

/** Turns gRPC failures into messages an operator can act on. */
public final class RpcErrors {
    private RpcErrors() {}

    /**
     * {@code CODE: description}, plus the innermost cause when gRPC's own description is generic (a TLS refusal
     * arrives as {@code UNAVAILABLE: io exception} with the trust manager's reason buried in the causes).
     */
    public static String describe(Throwable error) {
        Status status = Status.fromThrowable(error);
        StringBuilder text = new StringBuilder(status.getCode().name());
        String description = firstLine(status.getDescription());
        if (description != null) {
            text.append(": ").append(description);
        }
        String root = firstLine(rootCause(error));
        if (root != null && (description == null || !description.contains(root))) {
            text.append(" (").append(root).append(')');
        }
        return text.toString();
    }

    /** gRPC appends transport internals (the Netty pipeline) on further lines; they help nobody. */
    private static String firstLine(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }

    /** The server's own words: the status description, or the code when it gave none. */
    public static String serverMessage(StatusRuntimeException error) {
        String description = error.getStatus().getDescription();
        return description == null || description.isBlank() ? error.getStatus().getCode().name() : description;
    }

    /** True if the TLS handshake failed because the server's certificate was not trusted. */
    public static boolean isTrustFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof javax.net.ssl.SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    private static String rootCause(Throwable error) {
        Throwable root = null;
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = error.getCause(); t != null && seen.add(t); t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                root = t;
            }
        }
        return root == null ? null : root.getMessage();
    }

    /**
     * True if a server said this node was revoked: {@code PERMISSION_DENIED: node N was revoked} on a connection made
     * before, or the certificate_revoked alert with which a server refuses the node's certificate in a new TLS
     * handshake. The cluster has disowned the node and replaces its allocations elsewhere.
     */
    public static boolean isRevocation(Throwable error) {
        Status status = Status.fromThrowable(error);
        if (status.getCode() == Status.Code.PERMISSION_DENIED) {
            return status.getDescription() != null && status.getDescription().contains("revoked");
        }
        return status.getCode() == Status.Code.UNAVAILABLE && receivedRevokedAlert(error);
    }

    /**
     * The alert is received from the server (a worker never sends it: it does not check revocation), and in TLS 1.3
     * it is encrypted under the handshake in which the server proved its cluster identity, so nobody in between can
     * forge it. BoringSSL reports it as {@code SSLV3_ALERT_CERTIFICATE_REVOKED}, the JDK as
     * {@code Received fatal alert: certificate_revoked}.
     */
    private static boolean receivedRevokedAlert(Throwable error) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (m.contains("alert_certificate_revoked") || m.contains("alert: certificate_revoked")) {
                return true;
            }
        }
        return false;
    }

    private static final io.grpc.Metadata.Key<String> PUSHBACK =
            io.grpc.Metadata.Key.of("grpc-retry-pushback-ms", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

    /**
     * How long a busy server asked us to wait: RESOURCE_EXHAUSTED with gRPC's {@code grpc-retry-pushback-ms} trailer
     * means "too much work queued right now", not a refusal of the request itself (an oversized message is also
     * RESOURCE_EXHAUSTED, without the trailer).
     */
    public static java.util.Optional<java.time.Duration> busyPushback(Throwable error) {
        if (Status.fromThrowable(error).getCode() != Status.Code.RESOURCE_EXHAUSTED) return java.util.Optional.empty();
        io.grpc.Metadata trailers = Status.trailersFromThrowable(error);
        String ms = trailers == null ? null : trailers.get(PUSHBACK);
        if (ms == null) return java.util.Optional.empty();
        try {
            return java.util.Optional.of(java.time.Duration.ofMillis(Math.max(0, Math.min(Long.parseLong(ms.trim()), 60_000))));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    public static Status.Code code(Throwable error) {
        return Status.fromThrowable(error).getCode();
    }
}
