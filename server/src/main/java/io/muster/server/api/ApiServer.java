package io.muster.server.api;

import io.muster.pki.pem.Pem;
import io.muster.server.ServerSecurity;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.Snapshots;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API and dashboard on {@code api_addr}: HTTPS with the server's certificate, or HTTP in dev mode. Mounts
 * the server-certificate endpoint, the ACL guard, health and the dashboard itself; the endpoint groups are built by
 * the composition root and {@link #add added}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private final ServerConfig config;
    private final ServerSecurity security;
    private final Snapshots snapshots;
    private final RaftStatus raft;
    private final Clock clock;
    private final Vertx vertx;
    private final io.muster.server.metrics.ApiMetrics metrics;
    private final List<Routes> extra = new ArrayList<>();
    private HttpServer http;
    private volatile List<String> unclassified = List.of();
    private volatile List<io.vertx.ext.web.Route> routes = List.of();

    /**
     * @param snapshots the replicated ACL tokens and servers' API addresses
     * @param raft      the leader that leader-only requests are proxied or redirected to
     */
    public ApiServer(ServerConfig config, ServerSecurity security, Snapshots snapshots, RaftStatus raft, Clock clock) {
        this(config, security, snapshots, raft, clock, io.muster.server.metrics.ApiMetrics.NONE);
    }

    /** @param metrics counts every answered request by method, route template and status */
    public ApiServer(ServerConfig config, ServerSecurity security, Snapshots snapshots, RaftStatus raft, Clock clock,
                     io.muster.server.metrics.ApiMetrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.security = security;
        this.snapshots = snapshots;
        this.raft = raft;
        this.clock = clock;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(8));
    }

    public Vertx vertx() {
        return vertx;
    }

    public ApiServer add(Routes routes) {
        extra.add(routes);
        return this;
    }

    public void start() throws Exception {
        Router router = Router.router(vertx);
        router.route().handler(this::countRequest); // first: refused and unknown requests are counted too
        // Before the ACL guard: joining servers authenticate with a proof of the cluster secret, not an ACL token (the
        // route reads at most 64 KiB, never to disk).
        new ServerCertificateApi(config, security.credentials()).mount(router);
        router.route().handler(new AclGuard(config, snapshots));
        RequestBodies.mount(router); // after the guard: a refused caller's body is never read
        router.route().handler(AclGuard.bodyChecks()); // what a policy allows may depend on the body (join-token bounds)
        router.get("/v1/health").handler(ctx -> Http.ok(ctx, Map.of("status", "ok", "server_id", config.serverId(),
                "leader_id", raft.leaderId().map(Object::toString).orElse(""), "role", raft.role())));
        LeaderRedirect leader = new LeaderRedirect(config, security, snapshots, raft, clock, vertx);
        for (Routes r : extra) r.mount(router, leader);
        new Dashboard().mount(router);
        router.route().last().handler(ctx -> Http.error(ctx, 404, "NOT_FOUND", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        router.route().failureHandler(ctx -> Http.failure(ctx, ctx.failure() != null ? ctx.failure() : new RuntimeException("status " + ctx.statusCode())));
        unclassified = AccessTable.unclassified(router.getRoutes());
        routes = List.copyOf(router.getRoutes());
        // Such routes are management-only (default deny); AclPolicyTest fails on them so they get a permission.
        if (!unclassified.isEmpty()) LOG.error("API routes missing from the ACL access table (management only): {}", unclassified);

        HostPort addr = config.apiAddr();
        // No cleartext HTTP/2 upgrade: the JDK client's h2c upgrade of POSTs ended in EOFs under load; the API is
        // small request/response traffic that HTTP/1.1 keep-alive serves well.
        HttpServerOptions opts = new HttpServerOptions().setCompressionSupported(true).setHttp2ClearTextEnabled(false);
        if (!config.dev()) opts.setSsl(true).setKeyCertOptions(keyCert());
        http = vertx.createHttpServer(opts).requestHandler(router).listen(addr.port(), addr.host())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("API listening on {}://{}", config.dev() ? "http" : "https", addr);
    }

    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    /** Counts the request once answered, labelled by the access table's template for it (bounded, unlike the raw path). */
    private void countRequest(io.vertx.ext.web.RoutingContext ctx) {
        long started = System.nanoTime();
        var method = ctx.request().method();
        String path = ctx.normalizedPath();
        // A blocking query waits by design (up to 10 minutes): its own series, so it does not swamp the route's latency.
        String route = AccessTable.template(method, path) + (ctx.request().getParam("index") != null ? "?index" : "");
        ctx.addEndHandler(v -> metrics.request(METHODS.contains(method.name()) ? method.name() : "OTHER", route,
                ctx.response().getStatusCode(), System.nanoTime() - started));
        ctx.next();
    }

    /** This server's current key and chain; the key stays in memory (Vert.x takes PEM values, not files). */
    private PemKeyCertOptions keyCert() {
        var keys = security.credentials().keyManager();
        return new PemKeyCertOptions()
                .setKeyValue(Buffer.buffer(Pem.encodePrivateKey(keys.privateKey())))
                .setCertValue(Buffer.buffer(Pem.encodeCertificates(keys.chain())));
    }

    /** After a certificate renewal: new connections get the new certificate, open ones keep theirs. */
    public void reloadCertificate() {
        HttpServer h = http;
        if (h == null || config.dev()) return;
        h.updateSSLOptions(new io.vertx.core.net.ServerSSLOptions().setKeyCertOptions(keyCert()))
                .onFailure(e -> LOG.warn("could not reload the API certificate: {}", e.getMessage()));
    }

    /** Mounted routes that the ACL access table does not classify (empty when all is well). */
    public List<String> unclassifiedRoutes() {
        return unclassified;
    }

    /** Every route mounted, in order (what the OpenAPI document is checked against). */
    public List<io.vertx.ext.web.Route> routes() {
        return routes;
    }

    public String url() {
        return (config.dev() ? "http" : "https") + "://" + config.apiAddr();
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
