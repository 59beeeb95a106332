package io.muster.server.tls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.Identity;
import io.muster.pki.Secrets;
import io.muster.pki.pem.Pem;
import io.muster.pki.pem.PemException;
import io.muster.pki.secret.ClusterSecret;
import io.muster.pki.tls.PinnedServerTrustManager;
import io.muster.types.config.Peer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server asking the cluster for its certificate: a CSR for a key made here, sent to another server's API with a
 * proof that it holds the cluster secret (an HMAC over the server id, the CSR and the requested host names, so a
 * captured request is good only for this key). The answering server is trusted through the CA pin inside the
 * secret, as a worker trusts the server it registers with; the answer is checked again before it is used.
 */
public final class ServerJoin {
    private static final Logger LOG = LoggerFactory.getLogger(ServerJoin.class);
    public static final String PATH = "/v1/cluster/server-certificate";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServerJoin() {}

    /** A refusal that retrying will not change (wrong secret, bad request): fail at once with the server's reason. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    public static String proof(ClusterSecret secret, int serverId, byte[] csrDer, List<String> hosts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.joinKey(), "HmacSHA256"));
            String text = "muster-server-csr-v1\n" + serverId + "\n" + HexFormat.of().formatHex(Secrets.sha256(csrDer)) + "\n"
                    + String.join(",", hosts);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    public static boolean proofMatches(ClusterSecret secret, int serverId, byte[] csrDer, List<String> hosts, String proof) {
        if (proof == null) return false;
        return Secrets.constantTimeEquals(proof(secret, serverId, csrDer, hosts).getBytes(StandardCharsets.US_ASCII),
                proof.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Asks each other peer in turn until one signs, retrying while none answers (the first server may still be
     * starting), until {@code timeout}. Returns the chain: this server's leaf, then the cluster CA.
     */
    static List<X509Certificate> request(List<Peer> peers, int selfId, boolean https, ClusterSecret secret, KeyPair key,
                                         byte[] csrDer, List<String> hosts, Clock clock, Duration timeout) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("server_id", selfId);
        body.put("csr", Base64.getEncoder().encodeToString(csrDer));
        body.put("hosts", hosts);
        body.put("proof", proof(secret, selfId, csrDer, hosts));
        byte[] payload = JSON.writeValueAsBytes(body);
        PinnedServerTrustManager trust = new PinnedServerTrustManager(secret.caPin(), secret.clusterId(), clock);
        HttpClient client = client(https, trust);
        Instant deadline = clock.instant().plus(timeout);
        long backoffMs = 250;
        String last = "no other server is configured in cluster.peers";
        while (true) {
            for (Peer p : peers) {
                if (p.id() == selfId) continue;
                URI uri = URI.create((https ? "https://" : "http://") + p.apiAddr() + PATH);
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) return verify(r.body(), secret, selfId, key);
                    String reason = reason(r.body());
                    if (r.statusCode() == 401 || r.statusCode() == 400 || r.statusCode() == 403) {
                        throw new Refused("server " + p.id() + " (" + p.apiAddr() + ") refused this server's certificate request: " + reason);
                    }
                    last = "server " + p.id() + " answered " + r.statusCode() + ": " + reason;
                } catch (Refused e) {
                    throw e;
                } catch (IOException e) {
                    last = "server " + p.id() + " (" + p.apiAddr() + "): " + e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : "");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while asking for this server's certificate");
                }
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new IOException("no server signed this server's certificate within " + timeout.toSeconds() + " s (last: " + last + ")");
            }
            LOG.info("waiting for another server to sign this server's certificate ({})", last);
            try {
                Thread.sleep(backoffMs); // a real wait for a remote server, never used by tests to pass time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while asking for this server's certificate");
            }
            backoffMs = Math.min(5_000, backoffMs * 2);
        }
    }

    private static HttpClient client(boolean https, PinnedServerTrustManager trust) throws IOException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1);
        if (https) {
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {trust}, null);
                b.sslContext(ctx);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot set up TLS: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    private static String reason(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("error")) return n.get("error").asText();
        } catch (IOException e) {
            // not JSON
        }
        return body == null || body.isBlank() ? "(no reason given)" : body.substring(0, Math.min(200, body.length()));
    }

    /** The answer must carry our own key, our identity, signed by the CA the secret pins. */
    static List<X509Certificate> verify(String body, ClusterSecret secret, int selfId, KeyPair key) throws IOException {
        try {
            JsonNode n = JSON.readTree(body);
            List<X509Certificate> chain = Pem.decodeCertificates(n.path("chain").asText());
            List<X509Certificate> cas = Pem.decodeCertificates(n.path("ca").asText());
            if (chain.isEmpty() || cas.isEmpty()) throw new IOException("the answer holds no certificate");
            X509Certificate leaf = chain.getFirst();
            X509Certificate ca = cas.getFirst();
            if (!secret.caPin().matches(ca)) throw new IOException("the answer's CA does not match the cluster secret's CA pin");
            if (!leaf.getPublicKey().equals(key.getPublic())) throw new IOException("the signed certificate is not for this server's key");
            leaf.verify(ca.getPublicKey());
            Identity id = Identity.require(leaf);
            if (!id.equals(Identity.server(secret.clusterId(), Integer.toString(selfId)))) {
                throw new IOException("the signed certificate names " + id + ", not server " + selfId + " of cluster " + secret.clusterId());
            }
            return List.of(leaf, ca);
        } catch (PemException | GeneralSecurityException e) {
            throw new IOException("the certificate answer is invalid: " + e.getMessage(), e);
        }
    }
}
