package io.muster.server.api;

import io.muster.server.ServerContext;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.config.Peer;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/** Leader-only requests that reach a follower are redirected (307) to the leader's API. */
final class LeaderRedirect {
    private LeaderRedirect() {}

    /** Returns true when the request was answered with a redirect or an error (no leader). */
    static boolean redirectIfFollower(ServerContext sc, RoutingContext ctx) {
        if (sc.raft().isLeader()) return false;
        Optional<Integer> leader = sc.raft().leaderId();
        if (leader.isEmpty()) {
            Http.error(ctx, 503, "NO_LEADER", "the cluster has no leader right now (an election is running or a quorum of servers is unreachable)");
            return true;
        }
        Optional<String> addr = apiAddrOf(sc, leader.get());
        if (addr.isEmpty()) {
            Http.error(ctx, 503, "LEADER_UNKNOWN", "server " + leader.get() + " leads but its API address is not known here");
            return true;
        }
        String scheme = sc.config().dev() ? "http" : "https";
        ctx.response().setStatusCode(307).putHeader("location", scheme + "://" + addr.get() + ctx.request().uri())
                .putHeader("x-muster-leader", Integer.toString(leader.get())).end();
        return true;
    }

    static Optional<String> apiAddrOf(ServerContext sc, int id) {
        for (ServerRecord s : sc.state().servers()) if (s.id() == id && !s.apiAddr().isEmpty()) return Optional.of(s.apiAddr());
        for (Peer p : sc.config().peers()) if (p.id() == id) return Optional.of(p.apiAddr().toString());
        return Optional.empty();
    }
}
