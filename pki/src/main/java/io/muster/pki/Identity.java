package io.muster.pki;

import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a Muster certificate speaks for, as carried in its URI SAN: {@code muster://<clusterId>/node/<nodeId>}
 * for workers and {@code muster://<clusterId>/server/<serverId>} for servers. The SAN, not the CN or a
 * hostname, is the identity every Muster peer checks.
 *
 * @param id the decimal node id for {@link Kind#NODE}, the server id for {@link Kind#SERVER}
 */
public record Identity(String clusterId, Kind kind, String id) {
    public static final String SCHEME_PREFIX = "muster://";

    /** URI-safe and short, so it fits a URI authority, a CN and a join token. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final int SAN_URI = 6;

    public enum Kind {
        NODE("node"), SERVER("server");

        private final String pathSegment;

        Kind(String pathSegment) {
            this.pathSegment = pathSegment;
        }

        public String pathSegment() {
            return pathSegment;
        }
    }

    public Identity {
        requireClusterId(clusterId);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        if (kind == Kind.NODE) {
            parseNodeId(id);
        } else {
            requireServerId(id);
        }
    }

    public static Identity node(String clusterId, long nodeId) {
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id must be >= 0, got " + nodeId);
        }
        return new Identity(clusterId, Kind.NODE, Long.toString(nodeId));
    }

    public static Identity server(String clusterId, String serverId) {
        return new Identity(clusterId, Kind.SERVER, serverId);
    }

    /** The node id of a worker identity. */
    public long nodeId() {
        if (kind != Kind.NODE) {
            throw new IllegalStateException("identity " + toUri() + " is a server, not a node");
        }
        return Long.parseLong(id);
    }

    public String toUri() {
        return SCHEME_PREFIX + clusterId + "/" + kind.pathSegment() + "/" + id;
    }

    /**
     * Parses a {@code muster://} URI. Strict: exactly three path parts, canonical decimal node ids, no query,
     * fragment, port or user info, so two different strings never name the same identity.
     */
    public static Identity parseUri(String uri) {
        if (uri == null || !uri.startsWith(SCHEME_PREFIX)) {
            throw new IllegalArgumentException("not a muster identity URI (expected muster://<cluster>/<node|server>/<id>)");
        }
        String[] parts = uri.substring(SCHEME_PREFIX.length()).split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("identity URI " + uri + " must have the form muster://<cluster>/<node|server>/<id>");
        }
        Kind kind = switch (parts[1]) {
            case "node" -> Kind.NODE;
            case "server" -> Kind.SERVER;
            default -> throw new IllegalArgumentException("identity URI " + uri + " has unknown kind '" + parts[1] + "' (expected node or server)");
        };
        return new Identity(parts[0], kind, parts[2]);
    }

    /**
     * The identity in the certificate's {@code muster://} URI SAN, or empty when it has none. Other URI SANs
     * are ignored.
     *
     * @throws CertificateException if the SAN extension is unparseable, a muster URI is malformed, or there is
     *     more than one muster URI (an ambiguous identity is never guessed at)
     */
    public static Optional<Identity> fromCertificate(X509Certificate certificate) throws CertificateException {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new CertificateException("certificate " + certificate.getSubjectX500Principal().getName()
                    + " has an unparseable subjectAltName extension", e);
        }
        if (names == null) {
            return Optional.empty();
        }
        Identity found = null;
        for (List<?> name : names) {
            if (name.size() < 2 || !(name.get(0) instanceof Integer type) || type != SAN_URI
                    || !(name.get(1) instanceof String uri) || !uri.startsWith(SCHEME_PREFIX)) {
                continue;
            }
            if (found != null) {
                throw new CertificateException("certificate " + certificate.getSubjectX500Principal().getName()
                        + " carries more than one muster:// identity");
            }
            try {
                found = parseUri(uri);
            } catch (IllegalArgumentException e) {
                throw new CertificateException("certificate " + certificate.getSubjectX500Principal().getName()
                        + " has a malformed identity: " + e.getMessage(), e);
            }
        }
        return Optional.ofNullable(found);
    }

    /** Like {@link #fromCertificate} but a certificate without an identity is an error. */
    public static Identity require(X509Certificate certificate) throws CertificateException {
        return fromCertificate(certificate).orElseThrow(() -> new CertificateException("certificate "
                + certificate.getSubjectX500Principal().getName() + " has no muster:// identity URI SAN"));
    }

    public static String requireClusterId(String clusterId) {
        if (clusterId == null || !NAME.matcher(clusterId).matches()) {
            throw new IllegalArgumentException("cluster id must be 1-63 characters of [A-Za-z0-9._-] starting with a letter or digit");
        }
        return clusterId;
    }

    public static String requireServerId(String serverId) {
        if (serverId == null || !NAME.matcher(serverId).matches()) {
            throw new IllegalArgumentException("server id must be 1-63 characters of [A-Za-z0-9._-] starting with a letter or digit");
        }
        return serverId;
    }

    private static long parseNodeId(String id) {
        long value;
        try {
            value = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("node id must be a non-negative decimal number");
        }
        if (value < 0 || !Long.toString(value).equals(id)) {
            throw new IllegalArgumentException("node id must be a non-negative decimal number without sign or leading zeros");
        }
        return value;
    }

    @Override
    public String toString() {
        return toUri();
    }
}
