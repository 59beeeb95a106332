package io.muster.pki;

import java.math.BigInteger;
import java.net.IDN;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.util.IPAddress;

/**
 * Issues end-entity certificates. The identity is always bound from the arguments (what the server decided),
 * never copied from a CSR's subject.
 */
public final class CertificateIssuer {
    public static final Duration DEFAULT_WORKER_LIFETIME = Duration.ofDays(3);
    public static final Duration DEFAULT_SERVER_LIFETIME = Duration.ofDays(365);

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private CertificateIssuer() {}

    /**
     * A worker certificate: URI SAN {@code muster://<clusterId>/node/<nodeId>}, CN {@code node-<nodeId>},
     * EKU clientAuth only (a worker never serves TLS), KeyUsage digitalSignature.
     *
     * @param workerCa the worker CA (workers are never issued directly by the cluster CA)
     * @param now issuance time; notBefore is backdated one minute for clock skew
     * @param lifetime requested lifetime, capped at the worker CA's own expiry
     * @throws IllegalArgumentException for invalid ids, a non-positive lifetime or a key {@link KeyPolicy} refuses
     * @throws IllegalStateException if the CA is not valid at {@code now}
     */
    public static X509Certificate issueWorkerLeaf(CertificateAuthority workerCa, String clusterId, long nodeId,
                                                  PublicKey subjectKey, Instant now, Duration lifetime) {
        return issueWorkerLeaf(workerCa, clusterId, nodeId, subjectKey, planWorkerLeaf(workerCa, now, lifetime));
    }

    /**
     * A worker leaf's serial and validity, decided before the node id exists: a server records them together with
     * the registration (one replicated write) and issues the leaf with {@link #issueWorkerLeaf(CertificateAuthority,
     * String, long, PublicKey, LeafPlan)} once the id is assigned.
     */
    public record LeafPlan(BigInteger serial, Instant notBefore, Instant notAfter) {
        public LeafPlan {
            Objects.requireNonNull(serial, "serial");
            if (serial.signum() <= 0) throw new IllegalArgumentException("a certificate serial must be positive");
            if (!notAfter.isAfter(notBefore)) throw new IllegalArgumentException("notAfter must be after notBefore");
        }

        public String serialHex() {
            return serial.toString(16);
        }
    }

    /** A fresh random serial and the validity a leaf issued at {@code now} gets (clipped to the CA's own). */
    public static LeafPlan planWorkerLeaf(CertificateAuthority workerCa, Instant now, Duration lifetime) {
        Validity window = Validity.issuedBy(workerCa.certificate(), now, lifetime);
        return new LeafPlan(CertificateBuilder.randomSerial(), window.notBefore(), window.notAfter());
    }

    public static X509Certificate issueWorkerLeaf(CertificateAuthority workerCa, String clusterId, long nodeId,
                                                  PublicKey subjectKey, LeafPlan plan) {
        Identity identity = Identity.node(clusterId, nodeId);
        requireAcceptableKey(subjectKey);
        return CertificateBuilder
                .issuedBy(workerCa.certificate(), plan.serial(), CertificateBuilder.commonName("node-" + nodeId), subjectKey,
                        plan.notBefore(), plan.notAfter())
                .add(Extension.basicConstraints, true, new BasicConstraints(false))
                .add(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .add(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                .add(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity.toUri())))
                .sign(workerCa.privateKey());
    }

    /**
     * A server certificate: URI SAN {@code muster://<clusterId>/server/<serverId>} plus a DNS or IP SAN per entry
     * of {@code hosts} (IP literals become IP SANs, everything else must be a DNS name), EKU serverAuth and
     * clientAuth because servers also dial each other, KeyUsage digitalSignature.
     *
     * @param clusterCa the cluster CA
     * @param hosts host names and IP literals (IPv6 may be bracketed); may be empty
     */
    public static X509Certificate issueServerLeaf(CertificateAuthority clusterCa, String clusterId, String serverId,
                                                  PublicKey subjectKey, List<String> hosts, Instant now,
                                                  Duration lifetime) {
        Identity identity = Identity.server(clusterId, serverId);
        requireAcceptableKey(subjectKey);
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.toUri()));
        for (String host : hosts) {
            names.add(hostName(host));
        }
        Validity window = Validity.issuedBy(clusterCa.certificate(), now, lifetime);
        return CertificateBuilder
                .issuedBy(clusterCa.certificate(), CertificateBuilder.commonName("server-" + serverId), subjectKey,
                        window.notBefore(), window.notAfter())
                .add(Extension.basicConstraints, true, new BasicConstraints(false))
                .add(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .add(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                .add(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
                .sign(clusterCa.privateKey());
    }

    /** IP literal to an IP SAN, otherwise a validated DNS SAN. Never resolves anything. */
    static GeneralName hostName(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("server host entries must not be blank");
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (IPAddress.isValidIPv4(literal) || IPAddress.isValidIPv6(literal)) {
            return new GeneralName(GeneralName.iPAddress, literal);
        }
        String dns = toAsciiDnsName(host);
        return new GeneralName(GeneralName.dNSName, dns);
    }

    private static String toAsciiDnsName(String host) {
        String ascii;
        try {
            ascii = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a valid DNS name");
        }
        if (ascii.endsWith(".")) {
            ascii = ascii.substring(0, ascii.length() - 1);
        }
        if (ascii.isEmpty() || ascii.length() > 253) {
            throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a valid DNS name");
        }
        String[] labels = ascii.split("\\.", -1);
        for (String label : labels) {
            if (!DNS_LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a valid DNS name");
            }
        }
        // An all-numeric last label is a mistyped IP address (e.g. 10.0.0.256), not a host name.
        if (labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a valid DNS name");
        }
        return ascii;
    }

    private static void requireAcceptableKey(PublicKey key) {
        KeyPolicy.check(key).ifPresent(rejection -> {
            throw new IllegalArgumentException("cannot certify subject key: " + rejection.message());
        });
    }
}
