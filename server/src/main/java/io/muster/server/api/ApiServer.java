package io.muster.server.api;

import io.muster.pki.pem.Pem;
import io.muster.server.ServerContext;
import io.muster.server.ServerSecurity;
import io.muster.types.config.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API and dashboard on {@code api_addr}: HTTPS with the server's certificate, or HTTP in dev mode. */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private final ServerContext sc;
    private final Vertx vertx;
    private final List<Routes> extra = new ArrayList<>();
    private HttpServer http;
    private volatile List<String> unclassified = List.of();
    private volatile java.util.function.Supplier<Map<String, Object>> statusFields = Map::of;

    public ApiServer(ServerContext sc) {
        this.sc = sc;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(8));
    }

    public Vertx vertx() {
        return vertx;
    }

    public ApiServer add(Routes routes) {
        extra.add(routes);
        return this;
    }

    /** Fields added to {@code cluster status} (the divergence check's {@code alarms}); set before {@link #start}. */
    public ApiServer statusFields(java.util.function.Supplier<Map<String, Object>> fields) {
        this.statusFields = fields;
        return this;
    }

    public void start() throws Exception {
        Router router = Router.router(vertx);
        // Before the ACL guard: joining servers authenticate with a proof of the cluster secret, not an ACL token (the
        // route reads at most 64 KiB, never to disk).
        new ServerCertificateApi(sc).mount(router);
        router.route().handler(new AclGuard(sc));
        RequestBodies.mount(router); // after the guard: a refused caller's body is never read
        router.route().handler(AclGuard.bodyChecks()); // what a policy allows may depend on the body (join-token bounds)
        router.get("/v1/health").handler(ctx -> Http.ok(ctx, Map.of("status", "ok", "server_id", sc.config().serverId(),
                "leader_id", sc.raft().leaderId().map(Object::toString).orElse(""), "role", sc.raft().role())));
        new AclApi(sc).mount(router);
        LeaderRedirect leader = new LeaderRedirect(sc, vertx);
        new ClusterApi(sc, vertx, leader, () -> statusFields.get()).mount(router);
        for (Routes r : extra) r.mount(router, leader);
        new Dashboard().mount(router);
        router.route().last().handler(ctx -> Http.error(ctx, 404, "NOT_FOUND", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        router.route().failureHandler(ctx -> Http.failure(ctx, ctx.failure() != null ? ctx.failure() : new RuntimeException("status " + ctx.statusCode())));
        unclassified = AccessTable.unclassified(router.getRoutes());
        // Such routes are management-only (default deny); AclPolicyTest fails on them so they get a permission.
        if (!unclassified.isEmpty()) LOG.error("API routes missing from the ACL access table (management only): {}", unclassified);

        HostPort addr = sc.config().apiAddr();
        // No cleartext HTTP/2 upgrade: the JDK client's h2c upgrade of POSTs ended in EOFs under load; the API is
        // small request/response traffic that HTTP/1.1 keep-alive serves well.
        HttpServerOptions opts = new HttpServerOptions().setCompressionSupported(true).setHttp2ClearTextEnabled(false);
        if (!sc.config().dev()) opts.setSsl(true).setKeyCertOptions(keyCert());
        http = vertx.createHttpServer(opts).requestHandler(router).listen(addr.port(), addr.host())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("API listening on {}://{}", sc.config().dev() ? "http" : "https", addr);
    }

    /** This server's current key and chain; the key stays in memory (Vert.x takes PEM values, not files). */
    private PemKeyCertOptions keyCert() {
        var keys = sc.security().credentials().keyManager();
        return new PemKeyCertOptions()
                .setKeyValue(Buffer.buffer(Pem.encodePrivateKey(keys.privateKey())))
                .setCertValue(Buffer.buffer(Pem.encodeCertificates(keys.chain())));
    }

    /** After a certificate renewal: new connections get the new certificate, open ones keep theirs. */
    public void reloadCertificate() {
        HttpServer h = http;
        if (h == null || sc.config().dev()) return;
        h.updateSSLOptions(new io.vertx.core.net.ServerSSLOptions().setKeyCertOptions(keyCert()))
                .onFailure(e -> LOG.warn("could not reload the API certificate: {}", e.getMessage()));
    }

    /** Mounted routes that the ACL access table does not classify (empty when all is well). */
    public List<String> unclassifiedRoutes() {
        return unclassified;
    }

    public String url() {
        return (sc.config().dev() ? "http" : "https") + "://" + sc.config().apiAddr();
    }

    @Override
    public void close() {
        try {
            if (http != null) http.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing API", e);
        }
    }
}
