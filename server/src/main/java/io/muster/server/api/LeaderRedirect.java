package io.muster.server.api;

import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.ServerSecurity;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.Snapshots;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Optional;

/**
 * Leader-only requests that reach a follower: reads are proxied to the leader (so a browser on a
 * follower's dashboard needs no cross-origin redirect), other methods get a 307 to the leader's API.
 */
final class LeaderRedirect {
    static final String PROXIED = "x-muster-proxied";
    private final ServerConfig config;
    private final ServerSecurity security;
    private final Snapshots snapshots;
    private final RaftStatus raft;
    private final Clock clock;
    private final Vertx vertx;
    private volatile HttpClient client;

    LeaderRedirect(ServerConfig config, ServerSecurity security, Snapshots snapshots, RaftStatus raft, Clock clock, Vertx vertx) {
        this.config = config;
        this.security = security;
        this.snapshots = snapshots;
        this.raft = raft;
        this.clock = clock;
        this.vertx = vertx;
    }

    /** Returns true when the request was answered here (proxied, redirected, or an error: no leader). */
    boolean handledByLeader(RoutingContext ctx) {
        if (raft.isLeader()) return false;
        Optional<Integer> leader = raft.leaderId();
        if (leader.isEmpty()) {
            Http.error(ctx, 503, "NO_LEADER", "the cluster has no leader right now (an election is running or a quorum of servers is unreachable)");
            return true;
        }
        Optional<String> addr = apiAddrOf(leader.get());
        if (addr.isEmpty()) {
            Http.error(ctx, 503, "LEADER_UNKNOWN", "server " + leader.get() + " leads but its API address is not known here");
            return true;
        }
        if (ctx.request().method() == HttpMethod.GET) {
            if (ctx.request().getHeader(PROXIED) != null) {
                Http.error(ctx, 503, "LEADER_MOVED", "leadership is moving; retry");
                return true;
            }
            proxy(ctx, HostPort.parse(addr.get()), leader.get());
            return true;
        }
        String scheme = config.dev() ? "http" : "https";
        ctx.response().setStatusCode(307).putHeader("location", scheme + "://" + addr.get() + ctx.request().uri())
                .putHeader("x-muster-leader", Integer.toString(leader.get())).end();
        return true;
    }

    private void proxy(RoutingContext ctx, HostPort leader, int leaderId) {
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(leader.host()).setPort(leader.port())
                .setURI(ctx.request().uri()).setTimeout(15_000).putHeader(PROXIED, "1");
        String token = ctx.request().getHeader(AclGuard.HEADER);
        if (token != null) req.putHeader(AclGuard.HEADER, token);
        String auth = ctx.request().getHeader("authorization");
        if (auth != null) req.putHeader("authorization", auth);
        client().request(req).compose(r -> r.send()).compose(resp -> resp.body().map(body -> {
            ctx.response().setStatusCode(resp.statusCode())
                    .putHeader("content-type", String.valueOf(resp.getHeader("content-type")))
                    .putHeader("x-muster-leader", Integer.toString(leaderId)).end(body);
            return null;
        })).onFailure(e -> Http.error(ctx, 502, "LEADER_UNREACHABLE", "could not reach leader " + leaderId + " at " + leader + ": " + e.getMessage()));
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c != null) return c;
        synchronized (this) {
            if (client == null) {
                HttpClientOptions o = new HttpClientOptions().setConnectTimeout(5_000);
                if (!config.dev()) {
                    var m = security.material().orElseThrow(() -> new IllegalStateException("no cluster identity yet"));
                    // The leader is identified by its muster://<cluster>/server/<id> SAN under the cluster CA, not by host name.
                    o.setSsl(true).setVerifyHost(false)
                            .setTrustOptions(TrustOptions.wrap(new ClusterServerTrustManager(m.clusterCaCert(), m.clusterId(), clock)));
                }
                client = vertx.createHttpClient(o);
            }
            return client;
        }
    }

    /** Server {@code id}'s API address: as it announced it, else from the config file's peers. */
    Optional<String> apiAddrOf(int id) {
        return io.muster.server.service.ClusterInfoService.apiAddrOf(config, snapshots, id);
    }
}
