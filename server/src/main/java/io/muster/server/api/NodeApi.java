package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.RevokeJoinToken;
import io.muster.proto.raft.RevokeNode;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.proto.raft.SetNodeEligibility;
import io.muster.server.ServerContext;
import io.muster.server.JoinTokenService;
import io.muster.server.leader.HeartbeatService;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Join tokens and worker nodes. Node views come from the leader, which holds the heartbeat leases. */
public final class NodeApi implements Routes {
    private final ServerContext sc;
    private final JoinTokenService tokens;
    private final io.muster.server.leader.Leases leases;
    private LeaderRedirect leader;

    public NodeApi(ServerContext sc, JoinTokenService tokens, io.muster.server.leader.Leases leases) {
        this.sc = sc;
        this.tokens = tokens;
        this.leases = leases;
    }

    @Override
    public void mount(Router r) {
        throw new UnsupportedOperationException("mounted with the API's leader redirect");
    }

    @Override
    public void mount(Router r, LeaderRedirect leaderRedirect) {
        this.leader = leaderRedirect;
        r.post("/v1/node/tokens").handler(this::createToken);
        r.get("/v1/node/tokens").handler(this::listTokens);
        r.delete("/v1/node/tokens/:id").handler(this::revokeToken);
        r.get("/v1/nodes").handler(this::list);
        r.get("/v1/nodes/:id").handler(this::status);
        r.post("/v1/nodes/:id/drain").handler(this::drain);
        r.post("/v1/nodes/:id/eligibility").handler(this::eligibility);
        r.post("/v1/nodes/:id/revoke").handler(this::revoke);
    }

    private void createToken(RoutingContext ctx) {
        JoinTokenRequest req = JoinTokenRequest.from(Http.body(ctx));
        Map<String, String> labels = req.labels();
        tokens.create(Duration.ofSeconds(req.validForSecs()), req.maxUses(), labels, req.description()).whenComplete((t, e) -> {
            if (e != null) {
                Http.failure(ctx, e);
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", t.token());
            body.put("token_id", t.tokenId());
            body.put("expires_at", t.expiresAt().toString());
            body.put("max_uses", t.maxUses());
            // The servers as data too, for provisioning tools that write a worker config rather than run a command.
            List<String> servers = workerAddresses();
            body.put("servers", servers);
            body.put("labels", labels);
            body.put("join_command", joinCommand(t.token(), servers, labels));
            Http.ok(ctx, body);
        });
    }

    /** Every server's worker_grpc_addr, as the servers announced them. */
    private List<String> workerAddresses() {
        List<String> out = new ArrayList<>();
        for (ServerRecord s : sc.state().servers()) if (!s.workerGrpcAddr().isEmpty()) out.add(s.workerGrpcAddr());
        return out;
    }

    private static String joinCommand(String token, List<String> servers, Map<String, String> labels) {
        StringBuilder sb = new StringBuilder("muster worker");
        for (String s : servers) sb.append(" --server ").append(s);
        sb.append(" --token ").append(token);
        if (!labels.isEmpty()) {
            sb.append(" --labels ");
            sb.append(String.join(",", labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        }
        return sb.toString();
    }

    private void listTokens(RoutingContext ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JoinTokenRecord t : sc.state().joinTokens()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token_id", t.id());
            m.put("expires_at", Instant.ofEpochMilli(t.expiresAt()).toString());
            m.put("max_uses", t.maxUses());
            m.put("uses", t.uses());
            m.put("labels", t.labels());
            m.put("revoked", t.revoked());
            m.put("expired", sc.clock().millis() >= t.expiresAt());
            m.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
            m.put("description", t.description());
            out.add(m);
        }
        Http.ok(ctx, out);
    }

    private void revokeToken(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        sc.proposer().propose(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId(id))).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else Http.ok(ctx, Map.of("token_id", id, "revoked", true));
        });
    }

    Map<String, Object> view(NodeRecord n) {
        io.muster.server.leader.Leases hb = leases;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", n.id());
        m.put("state", n.state().wire());
        m.put("eligible", n.eligible());
        m.put("labels", n.labels());
        m.put("os", n.os());
        m.put("arch", n.arch());
        var beat = hb.lastBeat(n.id());
        m.put("last_heartbeat", beat.map(b -> Instant.ofEpochMilli(b.atMillis()).toString()).orElse(null));
        m.put("ttl_secs", beat.map(HeartbeatService.Beat::ttlSecs).orElse(null));
        m.put("drain", n.drain().wire());
        m.put("hostname", n.hostname());
        m.put("drivers", n.drivers());
        m.put("cpu_mhz", n.cpuMhz());
        m.put("memory_mb", n.memoryMb());
        m.put("allocs", sc.state().allocsOnNode(n.id()).stream().filter(a -> a.desiredRun() && !a.terminal()).count());
        m.put("registered_at", Instant.ofEpochMilli(n.registeredAt()).toString());
        m.put("state_changed_at", Instant.ofEpochMilli(n.stateChangedAt()).toString());
        m.put("cpu_cores", n.cpuCores());
        m.put("version", n.version());
        if (n.drainDeadline() > 0) m.put("drain_deadline", Instant.ofEpochMilli(n.drainDeadline()).toString());
        if (!n.certSerial().isEmpty()) m.put("cert_not_after", Instant.ofEpochMilli(n.certNotAfter()).toString());
        if (!n.revokedReason().isEmpty()) m.put("revoked_reason", n.revokedReason());
        return m;
    }

    private void list(RoutingContext ctx) {
        if (leader.handledByLeader(ctx)) return;
        Http.ok(ctx, sc.state().nodesSorted().stream().map(this::view).toList());
    }

    private NodeRecord node(RoutingContext ctx) {
        long id = Http.pathLong(ctx, "id");
        return sc.state().node(id).orElseThrow(() -> new ApiException(404, "NODE_NOT_FOUND", "no node with id " + id));
    }

    private void status(RoutingContext ctx) {
        if (leader.handledByLeader(ctx)) return;
        var snap = sc.state().snapshot(); // the node and its allocations as of one index
        long id = Http.pathLong(ctx, "id");
        NodeRecord n = snap.node(id).orElseThrow(() -> new ApiException(404, "NODE_NOT_FOUND", "no node with id " + id));
        Map<String, Object> m = view(n);
        List<Map<String, Object>> allocs = new ArrayList<>();
        for (AllocRecord a : snap.allocsOnNode(n.id())) allocs.add(JobApi.allocView(a));
        m.put("allocations", allocs);
        Http.ok(ctx, m);
    }

    private void drain(RoutingContext ctx) {
        NodeRecord n = node(ctx);
        JsonNode b = Http.body(ctx);
        boolean enable = b.path("enable").asBoolean(true);
        long deadlineSecs = b.path("deadline_secs").asLong(0);
        long deadline = deadlineSecs > 0 ? sc.clock().millis() + deadlineSecs * 1000 : 0;
        sc.proposer().propose(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(n.id()).setEnabled(enable)
                .setDeadlineUnixMs(deadline))).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else Http.ok(ctx, Map.of("id", n.id(), "drain", (enable ? DrainState.DRAINING : DrainState.NONE).wire()));
        });
    }

    private void eligibility(RoutingContext ctx) {
        NodeRecord n = node(ctx);
        JsonNode b = Http.body(ctx);
        if (!b.has("eligible") || !b.get("eligible").isBoolean()) throw new ApiException(400, "BAD_REQUEST", "eligible: true or false is required");
        boolean eligible = b.get("eligible").asBoolean();
        sc.proposer().propose(Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(n.id()).setEligible(eligible)))
                .whenComplete((r, e) -> {
                    if (e != null) Http.failure(ctx, e);
                    else if (!r.getOk()) Http.rejected(ctx, r);
                    else Http.ok(ctx, Map.of("id", n.id(), "eligible", eligible));
                });
    }

    private void revoke(RoutingContext ctx) {
        NodeRecord n = node(ctx);
        sc.proposer().propose(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(n.id()).setReason("revoked by operator")))
                .whenComplete((r, e) -> {
                    if (e != null) Http.failure(ctx, e);
                    else if (!r.getOk()) Http.rejected(ctx, r);
                    else Http.ok(ctx, Map.of("id", n.id(), "state", NodeStatus.REVOKED.wire()));
                });
    }
}
