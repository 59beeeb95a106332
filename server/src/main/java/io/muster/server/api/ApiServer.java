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

    public void start() throws Exception {
        Router router = Router.router(vertx);
        AclApi acl = new AclApi(sc);
        router.route().handler(acl.guard());
        RequestBodies.mount(router); // after the guard: a refused caller's body is never read
        router.get("/v1/health").handler(ctx -> Http.ok(ctx, Map.of("status", "ok", "server_id", sc.config().serverId(),
                "leader_id", sc.raft().leaderId().map(Object::toString).orElse(""), "role", sc.raft().role())));
        acl.mount(router);
        LeaderRedirect leader = new LeaderRedirect(sc, vertx);
        new ClusterApi(sc, vertx, leader).mount(router);
        for (Routes r : extra) r.mount(router, leader);
        new Dashboard().mount(router);
        router.route().last().handler(ctx -> Http.error(ctx, 404, "NOT_FOUND", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        router.route().failureHandler(ctx -> Http.failure(ctx, ctx.failure() != null ? ctx.failure() : new RuntimeException("status " + ctx.statusCode())));

        HostPort addr = sc.config().apiAddr();
        // No cleartext HTTP/2 upgrade: the JDK client's h2c upgrade of POSTs ended in EOFs under load; the API is
        // small request/response traffic that HTTP/1.1 keep-alive serves well.
        HttpServerOptions opts = new HttpServerOptions().setCompressionSupported(true).setHttp2ClearTextEnabled(false);
        if (!sc.config().dev()) {
            ServerSecurity.Material m = sc.security().ready().get(10, TimeUnit.MINUTES);
            opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setKeyValue(Buffer.buffer(Pem.encodePrivateKey(m.serverKey())))
                    .setCertValue(Buffer.buffer(Pem.encodeCertificates(m.serverChain()))));
        }
        http = vertx.createHttpServer(opts).requestHandler(router).listen(addr.port(), addr.host())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("API listening on {}://{}", sc.config().dev() ? "http" : "https", addr);
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
