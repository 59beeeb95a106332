package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CsrException;
import io.muster.pki.Csrs;
import io.muster.pki.pem.Pem;
import io.muster.server.tls.ServerCredentials;
import io.muster.server.tls.ServerJoin;
import io.muster.types.config.ServerConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/cluster/server-certificate}: signs a server's CSR for a caller that proves it holds the cluster
 * secret (see {@link ServerJoin}). No ACL token: servers join before ACLs exist; the proof is the credential. The
 * proof is checked before the CSR is parsed, so a caller without the secret costs one HMAC.
 */
final class ServerCertificateApi {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCertificateApi.class);
    private static final int MAX_BODY = 64 * 1024;
    private static final int MAX_HOSTS = 16;
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\[\\]-]{1,253}");
    private final ServerConfig config;
    private final ServerCredentials credentials;

    ServerCertificateApi(ServerConfig config, ServerCredentials credentials) {
        this.config = config;
        this.credentials = credentials;
    }

    void mount(Router r) {
        r.post(ServerJoin.PATH).handler(BodyHandler.create().setBodyLimit(MAX_BODY).setHandleFileUploads(false)).handler(this::sign);
    }

    private void sign(RoutingContext ctx) {
        ServerCredentials creds = credentials;
        JsonNode body = Http.body(ctx);
        JsonNode idNode = body.get("server_id");
        if (idNode == null || !idNode.canConvertToInt() || idNode.asInt() < 1) {
            Http.error(ctx, 400, "BAD_REQUEST", "server_id: must be a positive integer");
            return;
        }
        int serverId = idNode.asInt();
        byte[] csr;
        try {
            csr = Base64.getDecoder().decode(body.path("csr").asText(""));
        } catch (IllegalArgumentException e) {
            Http.error(ctx, 400, "BAD_REQUEST", "csr: must be a base64 DER certificate signing request");
            return;
        }
        if (csr.length == 0 || csr.length > Csrs.MAX_CSR_BYTES) {
            Http.error(ctx, 400, "BAD_REQUEST", "csr: must be a base64 DER certificate signing request of at most " + Csrs.MAX_CSR_BYTES + " bytes");
            return;
        }
        List<String> hosts = new ArrayList<>();
        for (JsonNode h : body.path("hosts")) {
            if (!h.isTextual() || !HOST.matcher(h.asText()).matches() || hosts.size() >= MAX_HOSTS) {
                Http.error(ctx, 400, "BAD_REQUEST", "hosts: at most " + MAX_HOSTS + " host names or IP addresses");
                return;
            }
            hosts.add(h.asText());
        }
        if (!ServerJoin.proofMatches(creds.secret(), serverId, csr, hosts, body.path("proof").asText(null))) {
            LOG.warn("refused a server certificate request for server {} from {}: no valid proof of the cluster secret",
                    serverId, ctx.request().remoteAddress());
            Http.error(ctx, 401, "CLUSTER_SECRET_MISMATCH", "the request does not prove the cluster secret of cluster "
                    + creds.secret().clusterId() + " (wrong or another cluster's secret)");
            return;
        }
        PublicKey key;
        try {
            key = Csrs.parseAndVerify(csr);
        } catch (CsrException e) {
            Http.error(ctx, 400, "BAD_CSR", "csr: " + e.getMessage());
            return;
        }
        Optional<CertificateAuthority> ca = creds.signingCa();
        if (ca.isEmpty()) {
            boolean operator = config.tls().operatorPki();
            Http.error(ctx, operator ? 409 : 503, operator ? "OPERATOR_PKI" : "NOT_READY", operator
                    ? "this cluster uses the operator's certificates (tls:): issue the server's certificate with your CA"
                    : "this server cannot sign yet: the cluster identity is not committed (ask the server 'muster server init' ran on)");
            return;
        }
        try {
            X509Certificate leaf = creds.issue(ca.get(), serverId, key, hosts);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("chain", Pem.encodeCertificates(List.of(leaf, ca.get().certificate())));
            out.put("ca", Pem.encodeCertificate(ca.get().certificate()));
            LOG.info("issued a certificate for server {} (serial {}) to {}", serverId, leaf.getSerialNumber().toString(16), ctx.request().remoteAddress());
            Http.ok(ctx, out);
        } catch (RuntimeException e) {
            Http.error(ctx, 400, "BAD_REQUEST", e.getMessage());
        }
    }
}
