package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.muster.client.IssuedToken;
import io.muster.client.Node;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.RevokeJoinToken;
import io.muster.proto.raft.RevokeNode;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.proto.raft.SetNodeEligibility;
import io.muster.server.Proposer;
import io.muster.server.JoinTokenService;
import io.muster.server.service.NodesService;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.ServerRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Join tokens and worker nodes. Node views come from the leader, which holds the heartbeat leases. */
public final class NodeApi implements Routes {
    private final Snapshots snapshots;
    private final Proposer proposer;
    private final Clock clock;
    private final JoinTokenService tokens;
    private final NodesService nodes;
    private LeaderRedirect leader;

    /** @param nodes what the node routes do (shared with the gRPC API); the join-token routes are REST's own */
    public NodeApi(NodesService nodes, Snapshots snapshots, Proposer proposer, Clock clock, JoinTokenService tokens) {
        this.nodes = nodes;
        this.snapshots = snapshots;
        this.proposer = proposer;
        this.clock = clock;
        this.tokens = tokens;
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
            // The servers as data too, for provisioning tools that write a worker config rather than run a command.
            List<String> servers = workerAddresses();
            Http.ok(ctx, new IssuedToken(t.token(), t.tokenId(), t.expiresAt().toString(), t.maxUses(), servers, labels,
                    joinCommand(t.token(), servers, labels), null));
        });
    }

    /** Every server's worker_grpc_addr, as the servers announced them. */
    private List<String> workerAddresses() {
        List<String> out = new ArrayList<>();
        for (ServerRecord s : snapshots.snapshot().servers()) if (!s.workerGrpcAddr().isEmpty()) out.add(s.workerGrpcAddr());
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
        for (JoinTokenRecord t : snapshots.snapshot().joinTokens()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token_id", t.id());
            m.put("expires_at", Instant.ofEpochMilli(t.expiresAt()).toString());
            m.put("max_uses", t.maxUses());
            m.put("uses", t.uses());
            m.put("labels", t.labels());
            m.put("revoked", t.revoked());
            m.put("expired", clock.millis() >= t.expiresAt());
            m.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
            m.put("description", t.description());
            out.add(m);
        }
        Http.ok(ctx, out);
    }

    private void revokeToken(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        proposer.propose(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId(id))).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else Http.ok(ctx, Map.of("token_id", id, "revoked", true));
        });
    }

    private void list(RoutingContext ctx) {
        if (leader.handledByLeader(ctx)) return;
        Http.ok(ctx, nodes.list());
    }

    private NodeRecord node(RoutingContext ctx) {
        return nodes.node(Http.pathLong(ctx, "id"));
    }

    private void status(RoutingContext ctx) {
        if (leader.handledByLeader(ctx)) return;
        long id = nodes.node(Http.pathLong(ctx, "id")).id(); // an unknown node is a 404 before the options are read
        int limit = (int) Http.longParam(ctx, "limit", 50, 1, 1000);
        NodesService.NodeDetail d = nodes.detail(id, limit);
        ObjectNode m = Http.JSON.valueToTree(d.node());
        com.fasterxml.jackson.databind.node.ArrayNode allocNodes = Http.JSON.valueToTree(d.allocations()); // every field, as the job answers show them
        if (!d.usage().isEmpty()) allocNodes.forEach(a -> {
            io.muster.proto.AllocUsage u = d.usage().get(a.path("id").asText());
            if (u != null) ((ObjectNode) a).set("usage", usageView(u));
        });
        ObjectNode limits = m.putObject("resource_limits"); // the node's own facts first, then its allocations
        limits.put("enforced", d.limitsEnforced());
        limits.put("detail", d.limitsDetail());
        m.set("allocations", allocNodes);
        m.put("allocations_total", d.allocationsTotal());
        if (d.drainStatus() != null) m.put("drain_status", d.drainStatus());
        Http.ok(ctx, m);
    }

    /** An allocation's cgroup usage as its worker last sampled it (the leader keeps the latest sample only). */
    static ObjectNode usageView(io.muster.proto.AllocUsage u) {
        ObjectNode o = Http.JSON.createObjectNode();
        o.put("memory_bytes", u.getMemoryBytes());
        o.put("memory_peak_bytes", u.getMemoryPeakBytes());
        o.put("memory_limit_bytes", u.getMemoryLimitBytes());
        o.put("cpu_seconds", u.getCpuUsec() / 1e6);
        o.put("oom_kills", u.getOomKills());
        o.put("sampled_at", Instant.ofEpochMilli(u.getSampledUnixMs()).toString());
        return o;
    }

    /** Where a draining node's work stands (see {@link NodesService#drainStatus}). */
    static String drainStatus(io.muster.server.state.ClusterSnapshot snap, NodeRecord n, List<AllocRecord> allocs) {
        return NodesService.drainStatus(snap, n, allocs);
    }

    private void drain(RoutingContext ctx) {
        long id = Http.pathLong(ctx, "id");
        nodes.node(id);
        JsonNode b = Http.body(ctx);
        nodes.drain(id, b.path("enable").asBoolean(true), b.path("deadline_secs").asLong(0)).whenComplete((d, e) -> {
            if (e != null) Http.failure(ctx, e);
            else Http.ok(ctx, Map.of("id", id, "drain", d.wire()));
        });
    }

    private void eligibility(RoutingContext ctx) {
        long id = Http.pathLong(ctx, "id");
        nodes.node(id);
        JsonNode b = Http.body(ctx);
        if (!b.has("eligible") || !b.get("eligible").isBoolean()) throw new ApiException(400, "BAD_REQUEST", "eligible: true or false is required");
        nodes.eligibility(id, b.get("eligible").asBoolean()).whenComplete((el, e) -> {
            if (e != null) Http.failure(ctx, e);
            else Http.ok(ctx, Map.of("id", id, "eligible", el));
        });
    }

    private void revoke(RoutingContext ctx) {
        NodeRecord n = node(ctx);
        proposer.propose(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(n.id()).setReason("revoked by operator")))
                .whenComplete((r, e) -> {
                    if (e != null) Http.failure(ctx, e);
                    else if (!r.getOk()) Http.rejected(ctx, r);
                    else Http.ok(ctx, Map.of("id", n.id(), "state", NodeStatus.REVOKED.wire()));
                });
    }
}
