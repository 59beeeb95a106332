package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.Proposer;
import io.muster.server.service.ClusterInfoService;
import io.muster.server.raft.RaftAdmin;
import io.muster.server.raft.RaftLogView;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.Snapshots;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Cluster status, leadership, membership, the Raft log, and the replicated test key-value map. */
public final class ClusterApi implements Routes {
    private final ServerConfig config;
    private final Vertx vertx;
    private final Snapshots snapshots;
    private final Proposer proposer;
    private final RaftStatus raft;
    private final RaftAdmin admin;
    private final ClusterInfoService info;
    private LeaderRedirect leader;

    /**
     * @param vertx runs the blocking Raft admin calls off the event loop
     * @param info  the status and Raft log reads (shared with the gRPC API)
     */
    public ClusterApi(ServerConfig config, Vertx vertx, Snapshots snapshots, Proposer proposer, RaftStatus raft, RaftAdmin admin,
                      ClusterInfoService info) {
        this.config = config;
        this.vertx = vertx;
        this.snapshots = snapshots;
        this.proposer = proposer;
        this.raft = raft;
        this.admin = admin;
        this.info = info;
    }

    @Override
    public void mount(Router r) {
        throw new UnsupportedOperationException("mounted with the API's leader redirect");
    }

    @Override
    public void mount(Router r, LeaderRedirect leaderRedirect) {
        this.leader = leaderRedirect;
        r.get("/v1/cluster/status").handler(this::status);
        r.post("/v1/cluster/transfer-leader").handler(this::transfer);
        r.post("/v1/cluster/servers").handler(this::addServer);
        r.delete("/v1/cluster/servers/:id").handler(this::removeServer);
        r.get("/v1/raft/log").handler(this::log);
        r.post("/v1/raft/snapshot").handler(this::snapshot);
        r.put("/v1/kv/:key").handler(this::kvPut);
        r.get("/v1/kv/:key").handler(this::kvGet);
    }

    private void status(RoutingContext ctx) {
        if (!"true".equals(ctx.queryParams().get("stale")) && leader.handledByLeader(ctx)) return;
        Http.ok(ctx, info.status());
    }

    private void transfer(RoutingContext ctx) {
        if (leader.handledByLeader(ctx)) return;
        JsonNode b = Http.body(ctx);
        Optional<Integer> to = b.hasNonNull("to") ? Optional.of(b.get("to").asInt()) : Optional.empty();
        vertx.<Integer>executeBlocking(() -> admin.transferLeadership(to, 10_000), false).onComplete(ar -> {
            if (ar.failed()) Http.failure(ctx, ar.cause());
            else Http.ok(ctx, Map.of("leader_id", ar.result()));
        });
    }

    private void addServer(RoutingContext ctx) {
        JsonNode b = Http.body(ctx);
        if (!b.hasNonNull("id") || !b.get("id").canConvertToInt() || b.get("id").asInt() < 1)
            throw new ApiException(400, "BAD_REQUEST", "id: a positive server id is required");
        HostPort raft = address(b, "raft_addr");
        HostPort api = address(b, "api_addr");
        Peer peer = new Peer(b.get("id").asInt(), raft, api);
        vertx.executeBlocking(() -> {
            admin.addServer(peer);
            return null;
        }, false).onComplete(ar -> {
            if (ar.failed()) Http.failure(ctx, ar.cause());
            else Http.ok(ctx, Map.of("added", peer.id(), "members", this.raft.peerIds().size()));
        });
    }

    private static HostPort address(JsonNode b, String field) {
        if (!b.hasNonNull(field)) throw new ApiException(400, "BAD_REQUEST", field + ": is required (host:port)");
        try {
            return HostPort.parse(b.get(field).asText());
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "BAD_REQUEST", field + ": " + e.getMessage());
        }
    }

    private void removeServer(RoutingContext ctx) {
        int id = (int) Http.pathLong(ctx, "id");
        vertx.executeBlocking(() -> {
            admin.removeServer(id);
            return null;
        }, false).onComplete(ar -> {
            if (ar.failed()) Http.failure(ctx, ar.cause());
            else Http.ok(ctx, Map.of("removed", id, "members", raft.peerIds().size()));
        });
    }

    private void log(RoutingContext ctx) {
        long tail = Http.longParam(ctx, "tail", 0, 0, 1000);
        if (tail > 0 && ctx.queryParams().contains("start_index"))
            throw new ApiException(400, "BAD_REQUEST", "give start_index or tail, not both");
        // tail=N: the newest N entries (the ones an operator usually wants), whatever the log's length.
        long start = tail > 0 ? Math.max(0, raft.lastLogIndex() - tail + 1) : Http.longParam(ctx, "start_index", 0, 0, Long.MAX_VALUE);
        int limit = tail > 0 ? (int) tail : (int) Http.longParam(ctx, "limit", 50, 1, 1000);
        vertx.executeBlocking(() -> info.raftLog(start, limit, 0), false).onComplete(ar -> {
            if (ar.failed()) {
                Http.failure(ctx, ar.cause());
                return;
            }
            ClusterInfoService.RaftLogPage page = ar.result();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("commit_index", page.commitIndex());
            body.put("last_index", page.lastIndex());
            body.put("start_index", page.startIndex());
            List<Map<String, Object>> entries = new ArrayList<>();
            for (RaftLogView.LogEntry e : page.entries()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", e.index());
                m.put("term", e.term());
                m.put("type", e.type());
                m.put("summary", e.summary());
                entries.add(m);
            }
            body.put("entries", entries);
            if (page.nextIndex() != null) body.put("next_index", page.nextIndex());
            Http.ok(ctx, body);
        });
    }

    private void snapshot(RoutingContext ctx) {
        vertx.executeBlocking(() -> admin.snapshot(), false).onComplete(ar -> {
            if (ar.failed()) Http.failure(ctx, ar.cause());
            else Http.ok(ctx, Map.of("snapshot_index", ar.result()));
        });
    }

    private void kvPut(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        if (key.length() > 256) throw new ApiException(400, "BAD_REQUEST", "key: at most 256 characters");
        byte[] value = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (value.length > 64 * 1024) throw new ApiException(413, "TOO_LARGE", "value: at most 64 KiB");
        proposer.propose(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey(key).setValue(ByteString.copyFrom(value))))
                .whenComplete((r, e) -> {
                    if (e != null) Http.failure(ctx, e);
                    else if (!r.getOk()) Http.rejected(ctx, r);
                    else Http.ok(ctx, Map.of("key", key, "index", r.getIndex()));
                });
    }

    private void kvGet(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        var e = snapshots.snapshot().kv(key);
        if (e.isEmpty()) {
            Http.error(ctx, 404, "NOT_FOUND", "no key " + key);
            return;
        }
        Http.ok(ctx, Map.of("key", key, "value", Base64.getEncoder().encodeToString(e.get().value()), "index", e.get().index()));
    }
}
