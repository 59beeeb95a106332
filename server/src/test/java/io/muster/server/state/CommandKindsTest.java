package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.pki.Secrets;
import io.muster.proto.AllocState;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AclBootstrap;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.AnnounceServer;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.Command.KindCase;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateAclToken;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.DeleteSecret;
import io.muster.proto.raft.PutSecret;
import io.muster.proto.raft.InitCluster;
import io.muster.proto.raft.KvPut;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RecordCertificate;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.RegisterNodeBatch;
import io.muster.proto.raft.RevokeAclToken;
import io.muster.proto.raft.RevokeJoinToken;
import io.muster.proto.raft.RevokeNode;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.proto.raft.SetNodeEligibility;
import io.muster.proto.raft.StopJob;
import io.muster.server.acl.AclPolicy;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One accepted and one refused command of every kind, applied to the state directly. A refusal is a result with a
 * stable code and changes nothing: the {@link StateDigest} before and after are equal. Kinds that have no refusal (the
 * applier takes every such command) show instead that the items they ignore change nothing.
 */
class CommandKindsTest {
    static final long NOW = 1_800_000_000_000L;

    /** Where each kind is tested; a new kind fails {@link #everyKindIsCovered} until it is added here and tested. */
    static final Map<KindCase, String> COVERED = Map.ofEntries(
            Map.entry(KindCase.KV_PUT, "kvPut (no refusal exists)"),
            Map.entry(KindCase.INIT_CLUSTER, "initCluster"),
            Map.entry(KindCase.ANNOUNCE_SERVER, "announceServer (no refusal exists)"),
            Map.entry(KindCase.ACL_BOOTSTRAP, "aclBootstrap"),
            Map.entry(KindCase.CREATE_ACL_TOKEN, "createAclToken"),
            Map.entry(KindCase.REVOKE_ACL_TOKEN, "revokeAclToken"),
            Map.entry(KindCase.PUT_SECRET, "putSecret"),
            Map.entry(KindCase.DELETE_SECRET, "deleteSecret"),
            Map.entry(KindCase.CREATE_JOIN_TOKEN, "createJoinToken"),
            Map.entry(KindCase.REVOKE_JOIN_TOKEN, "revokeJoinToken"),
            Map.entry(KindCase.REGISTER_NODE, "registerNode"),
            Map.entry(KindCase.REGISTER_NODE_BATCH, "registerNodeBatch (refusals per item)"),
            Map.entry(KindCase.REVOKE_NODE, "revokeNode"),
            Map.entry(KindCase.RECORD_CERTIFICATE, "recordCertificate"),
            Map.entry(KindCase.NODE_STATE_BATCH, "nodeStateBatch (ignored items)"),
            Map.entry(KindCase.SET_NODE_DRAIN, "setNodeDrain"),
            Map.entry(KindCase.SET_NODE_ELIGIBILITY, "setNodeEligibility"),
            Map.entry(KindCase.REGISTER_JOB, "registerJob"),
            Map.entry(KindCase.STOP_JOB, "stopJob"),
            Map.entry(KindCase.APPLY_PLAN, "applyPlan"),
            Map.entry(KindCase.ADVANCE_OPERATION, "advanceOperation"),
            Map.entry(KindCase.CANCEL_OPERATION, "cancelOperation"),
            Map.entry(KindCase.ALLOC_STATUS_BATCH, "allocStatusBatch (ignored items)"),
            Map.entry(KindCase.COLLECT_GARBAGE, "collectGarbage (ids no longer collectable are skipped)"),
            Map.entry(KindCase.KIND_NOT_SET, "emptyCommand"));

    final ClusterState s = new ClusterState();
    final CommandApplier applier = new CommandApplier(s);
    long index;

    CommandResult apply(Command.Builder c) {
        return applier.apply(c.setProposedUnixMs(NOW).build(), ++index, 1);
    }

    CommandResult accepted(Command.Builder c) {
        StateDigest before = StateDigest.of(s);
        CommandResult r = apply(c);
        assertTrue(r.getOk(), r.toString());
        assertEquals(index, r.getIndex());
        assertNotEquals(before, StateDigest.of(s), "an accepted " + c.getKindCase() + " changed the state");
        return r;
    }

    /** Refused with {@code code}, and nothing changed (the applied index moves on; it is not state). */
    CommandResult refused(String code, Command.Builder c) {
        StateDigest before = StateDigest.of(s);
        long nextNode = s.nextNodeId();
        CommandResult r = apply(c);
        assertFalse(r.getOk(), r.toString());
        assertEquals(code, r.getErrorCode(), r.toString());
        assertFalse(r.getError().isBlank(), "a refusal says why");
        assertEquals(index, r.getIndex());
        assertEquals(before, StateDigest.of(s), "a refused " + c.getKindCase() + " (" + code + ") changed the state");
        assertEquals(nextNode, s.nextNodeId());
        return r;
    }

    /** Applied, but nothing in it applied: nothing changed. */
    CommandResult ignored(Command.Builder c) {
        StateDigest before = StateDigest.of(s);
        CommandResult r = apply(c);
        assertTrue(r.getOk(), r.toString());
        assertEquals(before, StateDigest.of(s), "an ignored " + c.getKindCase() + " changed the state");
        return r;
    }

    // ---- fixtures ----

    static Command.Builder token(String id, int maxUses, long expires) {
        return Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId(id).setMaxUses(maxUses)
                .setExpiresUnixMs(expires).setCreatedUnixMs(NOW).putLabels("pool", "a").setDescription("for " + id));
    }

    static RegisterNode reg(String token, int key) {
        return RegisterNode.newBuilder().setTokenId(token).setPublicKeySha256(ByteString.copyFrom(new byte[] {(byte) key, 9}))
                .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(16_000).setMemoryMb(65_536).addDrivers("exec")
                        .setHostname("h" + key))
                .setRegisteredUnixMs(NOW).setCertSerialHex("c" + key).setCertNotAfterUnixMs(NOW + 86_400_000).build();
    }

    static Command.Builder register(String token, int key) {
        return Command.newBuilder().setRegisterNode(reg(token, key));
    }

    static Command.Builder ready(long... nodes) {
        NodeStateBatch.Builder b = NodeStateBatch.newBuilder();
        for (long n : nodes) b.addChanges(NodeStateChange.newBuilder().setNodeId(n).setState("ready").setAtUnixMs(NOW));
        return Command.newBuilder().setNodeStateBatch(b);
    }

    static final String SPEC = """
            {"id":"web","type":"service","groups":[{"name":"g","count":2,"tasks":[{"name":"t","driver":"exec","command":"sleep",\
            "resources":{"cpu":10,"memory":10}}]}]}""";

    static Command.Builder job(String id, String spec, int maxPending) {
        return Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(id).setSpecJson(ByteString.copyFromUtf8(spec))
                .setSubmittedUnixMs(NOW).setMaxPendingJobs(maxPending));
    }

    static Command.Builder plan(String job, long version, String... allocAndNode) {
        ApplyPlan.Builder b = ApplyPlan.newBuilder().setJobId(job).setJobVersion(version).setPlannedUnixMs(NOW);
        for (int i = 0; i < allocAndNode.length; i += 2)
            b.addPlace(PlannedAlloc.newBuilder().setAllocId(allocAndNode[i]).setJobId(job).setGroup("g").setIndex(i / 2)
                    .setNodeId(Long.parseLong(allocAndNode[i + 1])).setCpu(10).setMemoryMb(10));
        return Command.newBuilder().setApplyPlan(b);
    }

    static Command.Builder status(long node, String alloc, AllocState st) {
        return Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addUpdates(AllocStatusUpdate.newBuilder().setNodeId(node)
                .setStatus(io.muster.proto.AllocStatus.newBuilder().setAllocId(alloc).setState(st).setStartedUnixMs(NOW))));
    }

    /** A join token, nodes 1 and 2 ready, job "web" (version 1) with one allocation on each node. */
    void cluster() {
        apply(token("t", 0, Long.MAX_VALUE));
        apply(register("t", 1));
        apply(register("t", 2));
        apply(ready(1, 2));
        apply(job("web", SPEC, 0));
        assertEquals("2", apply(plan("web", 1, "a1", "1", "a2", "2")).getValue());
    }

    static Command.Builder bootstrap(String accessor) {
        return Command.newBuilder().setAclBootstrap(AclBootstrap.newBuilder().setAccessorId(accessor).setSecretSha256(Secrets.sha256Hex(accessor)));
    }

    static Command.Builder createAcl(String accessor, String policy) {
        return Command.newBuilder().setCreateAclToken(CreateAclToken.newBuilder().setAccessorId(accessor).setSecretSha256(Secrets.sha256Hex(accessor))
                .setPolicy(policy).setCreatedUnixMs(NOW));
    }

    // ---- the kinds ----

    @Test
    void everyKindIsCovered() {
        assertEquals(EnumSet.allOf(KindCase.class), EnumSet.copyOf(COVERED.keySet()),
                "a new Command kind needs an accepted and a refused case in this class");
    }

    @Test
    void kvPut() {
        accepted(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))));
        assertEquals(index, s.kv("k").orElseThrow().index());
        // Any key and value apply (the API bounds them before proposing); the same value again records the new index.
        accepted(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))));
        assertEquals(index, s.kv("k").orElseThrow().index());
    }

    @Test
    void initCluster() {
        refused("NO_KEYS", Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c1")));
        @SuppressWarnings("deprecation")
        var plaintext = InitCluster.newBuilder().setClusterId("c1").setSealedKeys(ByteString.copyFromUtf8("sealed"))
                .setWorkerCaKeyPkcs8(ByteString.copyFromUtf8("key"));
        refused("PLAINTEXT_KEYS", Command.newBuilder().setInitCluster(plaintext));
        CommandResult r = accepted(Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c1")
                .setSealedKeys(ByteString.copyFromUtf8("sealed")).setCreatedUnixMs(NOW)));
        assertEquals("c1", r.getValue());
        refused("ALREADY_INITIALIZED", Command.newBuilder().setInitCluster(InitCluster.newBuilder().setClusterId("c2")
                .setSealedKeys(ByteString.copyFromUtf8("sealed"))));
        assertEquals("c1", s.identity().orElseThrow().clusterId());
    }

    @Test
    void announceServer() {
        accepted(Command.newBuilder().setAnnounceServer(AnnounceServer.newBuilder().setServerId(1).setApiAddr("a:1").setVersion("1")));
        // Never refused: a server announcing itself again replaces its record; the same record again changes nothing.
        accepted(Command.newBuilder().setAnnounceServer(AnnounceServer.newBuilder().setServerId(1).setApiAddr("a:2").setVersion("1")));
        ignored(Command.newBuilder().setAnnounceServer(AnnounceServer.newBuilder().setServerId(1).setApiAddr("a:2").setVersion("1")));
        assertEquals("a:2", s.servers().iterator().next().apiAddr());
    }

    @Test
    void aclBootstrap() {
        assertEquals("boot", accepted(bootstrap("boot")).getValue());
        refused("ACL_ALREADY_BOOTSTRAPPED", bootstrap("again"));
        assertEquals(1, s.aclTokens().size());
    }

    @Test
    void createAclToken() {
        refused("ACL_NOT_BOOTSTRAPPED", createAcl("ops", "operator"));
        apply(bootstrap("boot"));
        accepted(createAcl("ops", "operator"));
        assertEquals(AclPolicy.OPERATOR, s.aclToken("ops").orElseThrow().policy());
        refused("ACL_TOKEN_EXISTS", createAcl("ops", "read-only"));
        refused("ACL_POLICY_UNKNOWN", createAcl("root", "root"));
    }

    @Test
    void revokeAclToken() {
        apply(bootstrap("boot"));
        apply(createAcl("ops", "operator"));
        refused("ACL_TOKEN_NOT_FOUND", Command.newBuilder().setRevokeAclToken(RevokeAclToken.newBuilder().setAccessorId("nope")));
        refused("ACL_LAST_MANAGEMENT_TOKEN", Command.newBuilder().setRevokeAclToken(RevokeAclToken.newBuilder().setAccessorId("boot")));
        accepted(Command.newBuilder().setRevokeAclToken(RevokeAclToken.newBuilder().setAccessorId("ops")));
        assertTrue(s.aclToken("ops").isEmpty());
    }

    static Command.Builder putSecret(String name, int sealedBytes, int size, long at) {
        return Command.newBuilder().setPutSecret(PutSecret.newBuilder().setName(name).setKeyId(1)
                .setSealed(ByteString.copyFrom(new byte[sealedBytes])).setSize(size).setPutUnixMs(at));
    }

    @Test
    void putSecret() {
        assertEquals("1", accepted(putSecret("db_password", 29 + 8, 8, NOW)).getValue());
        assertEquals("2", accepted(putSecret("db_password", 29 + 9, 9, NOW + 5)).getValue(), "a put over a secret is its next version");
        var x = s.secrets().getFirst();
        assertEquals(2, x.version());
        assertEquals(9, x.size());
        assertEquals(NOW, x.createdAt());
        assertEquals(NOW + 5, x.updatedAt());
        refused("SECRET_MALFORMED", putSecret("../etc", 29 + 1, 1, NOW));
        refused("SECRET_MALFORMED", putSecret("ok", 3, 1, NOW)); // shorter than version + nonce + tag: not a sealed value
        refused("SECRET_MALFORMED", putSecret("ok", 29 + 64 * 1024 + 1, 64 * 1024 + 1, NOW));
        refused("SECRET_MALFORMED", Command.newBuilder().setPutSecret(PutSecret.newBuilder().setName("ok").setKeyId(0)
                .setSealed(ByteString.copyFrom(new byte[40])).setSize(1)));
        refused("SECRET_TOO_LARGE", putSecret("ok", 40, 64 * 1024 + 1, NOW));
    }

    @Test
    void deleteSecret() {
        apply(putSecret("api_key", 40, 11, NOW));
        refused("SECRET_NOT_FOUND", Command.newBuilder().setDeleteSecret(DeleteSecret.newBuilder().setName("nope")));
        accepted(Command.newBuilder().setDeleteSecret(DeleteSecret.newBuilder().setName("api_key")));
        assertTrue(s.secrets().isEmpty());
    }

    @Test
    void createJoinToken() {
        accepted(token("t", 2, NOW + 60_000));
        assertEquals(Map.of("pool", "a"), s.joinToken("t").orElseThrow().labels());
        refused("TOKEN_EXISTS", token("t", 5, NOW + 120_000));
        assertEquals(2, s.joinToken("t").orElseThrow().maxUses());
    }

    @Test
    void revokeJoinToken() {
        apply(token("t", 0, Long.MAX_VALUE));
        refused("TOKEN_NOT_FOUND", Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId("nope")));
        accepted(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId("t")));
        assertTrue(s.joinToken("t").orElseThrow().revoked());
    }

    @Test
    void registerNode() {
        refused("TOKEN_UNKNOWN", register("nope", 1));
        apply(token("t", 1, Long.MAX_VALUE));
        apply(token("old", 0, NOW));
        apply(token("gone", 0, Long.MAX_VALUE));
        apply(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId("gone")));
        assertEquals(1, accepted(register("t", 1)).getNodeId());
        refused("TOKEN_EXHAUSTED", register("t", 2));
        refused("TOKEN_EXPIRED", register("old", 3));
        refused("TOKEN_REVOKED", register("gone", 4));
        assertEquals(1, s.nodes().size());
        assertEquals(1, s.joinToken("t").orElseThrow().uses());
    }

    @Test
    void registerNodeBatch() {
        apply(token("t", 1, Long.MAX_VALUE));
        CommandResult ok = accepted(Command.newBuilder().setRegisterNodeBatch(RegisterNodeBatch.newBuilder().addNodes(reg("t", 1))));
        assertEquals(1, ok.getItems(0).getNodeId());
        // A batch is applied item by item: the command is ok, each refused item is a result and changes nothing.
        StateDigest before = StateDigest.of(s);
        CommandResult r = apply(Command.newBuilder().setRegisterNodeBatch(RegisterNodeBatch.newBuilder().addNodes(reg("t", 2))
                .addNodes(reg("nope", 3))));
        assertTrue(r.getOk());
        assertEquals("TOKEN_EXHAUSTED", r.getItems(0).getErrorCode());
        assertEquals("TOKEN_UNKNOWN", r.getItems(1).getErrorCode());
        assertEquals(before, StateDigest.of(s));
    }

    @Test
    void revokeNode() {
        cluster();
        refused("NODE_NOT_FOUND", Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(99).setReason("x")));
        accepted(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(1).setReason("stolen")));
        assertEquals(NodeStatus.REVOKED, s.node(1).orElseThrow().state());
        assertEquals(AllocStatus.LOST, s.alloc("a1").orElseThrow().status());
        // Revoking it again is accepted and changes nothing.
        ignored(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(1).setReason("again")));
    }

    @Test
    void recordCertificate() {
        cluster();
        refused("NODE_NOT_FOUND", Command.newBuilder().setRecordCertificate(RecordCertificate.newBuilder().setNodeId(99).setSerialHex("n")));
        accepted(Command.newBuilder().setRecordCertificate(RecordCertificate.newBuilder().setNodeId(1).setSerialHex("n1").setNotAfterUnixMs(NOW + 5)));
        assertEquals("n1", s.node(1).orElseThrow().certSerial());
        assertEquals("c1", s.node(1).orElseThrow().previousCertSerial());
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(2)));
        refused("NODE_REVOKED", Command.newBuilder().setRecordCertificate(RecordCertificate.newBuilder().setNodeId(2).setSerialHex("n2")));
    }

    @Test
    void nodeStateBatch() {
        cluster();
        accepted(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder().addChanges(NodeStateChange.newBuilder().setNodeId(1)
                .setState("down").setAtUnixMs(NOW + 1))));
        assertEquals(NodeStatus.DOWN, s.node(1).orElseThrow().state());
        // Never refused: changes for unknown or revoked nodes, or to the state a node is in, are skipped.
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(2)));
        ignored(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(99).setState("ready"))
                .addChanges(NodeStateChange.newBuilder().setNodeId(2).setState("ready"))
                .addChanges(NodeStateChange.newBuilder().setNodeId(1).setState("down").setAtUnixMs(NOW + 2))));
        // A state name this server does not know changes nothing (applying a committed entry never throws).
        ignored(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(1).setState("sleeping").setAtUnixMs(NOW + 3))));
        assertEquals(NodeStatus.DOWN, s.node(1).orElseThrow().state());
    }

    @Test
    void setNodeDrain() {
        cluster();
        refused("NODE_NOT_FOUND", Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(99).setEnabled(true)));
        accepted(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(1).setEnabled(true).setDeadlineUnixMs(NOW + 60_000)));
        assertEquals(DrainState.DRAINING, s.node(1).orElseThrow().drain());
        apply(status(1, "a1", AllocState.ALLOC_RUNNING));
        refused("NODE_STILL_RUNNING", Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(1).setComplete(true)));
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(2)));
        refused("NODE_REVOKED", Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(2).setEnabled(true)));
    }

    @Test
    void setNodeEligibility() {
        cluster();
        refused("NODE_NOT_FOUND", Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(99)));
        accepted(Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(1).setEligible(false)));
        assertFalse(s.node(1).orElseThrow().eligible());
        apply(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(2).setEnabled(true)));
        refused("NODE_DRAINING", Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(2).setEligible(true)));
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(2)));
        refused("NODE_REVOKED", Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(2).setEligible(false)));
    }

    @Test
    void registerJob() {
        assertEquals("1", accepted(job("a", SPEC, 1)).getValue());
        refused("TOO_MANY_PENDING_JOBS", job("b", SPEC, 1));
        assertTrue(s.job("b").isEmpty());
        assertEquals("2", accepted(job("a", SPEC.replace("\"count\":2", "\"count\":3"), 1)).getValue(), "a changed spec is a new version");
        assertEquals("2", ignored(job("a", SPEC.replace("\"count\":2", "\"count\":3"), 1)).getValue(), "the same spec again changes nothing");
    }

    @Test
    void stopJob() {
        cluster();
        refused("JOB_NOT_FOUND", Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId("nope")));
        accepted(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId("web")));
        assertTrue(s.job("web").orElseThrow().stopped());
        assertTrue(s.allocsOfJob("web").stream().noneMatch(Records.AllocRecord::desiredRun));
    }

    @Test
    void applyPlan() {
        cluster();
        refused("JOB_NOT_FOUND", plan("nope", 1, "b1", "1"));
        refused("STALE_PLAN", plan("web", 7, "b1", "1"));
        apply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId("web")));
        apply(job("web", SPEC, 0)); // version 2
        assertEquals("2", accepted(plan("web", 2, "b1", "1", "b2", "2")).getValue());
        assertEquals(4, s.allocCount());
    }

    /** Nodes 1 and 2 ready with the ping backend (node 2 in group web), and node 3 ready without it. */
    void operationCluster() {
        apply(token("t", 0, Long.MAX_VALUE));
        for (int key = 1; key <= 3; key++) {
            RegisterNode.Builder r = reg("t", key).toBuilder();
            if (key < 3) r.getProfileBuilder().addBackends(io.muster.proto.BackendInfo.newBuilder().setName("ping").addActions("echo"));
            if (key == 2) r.getProfileBuilder().putLabels("group", "db,web");
            apply(Command.newBuilder().setRegisterNode(r));
        }
        apply(ready(1, 2, 3));
    }

    static String operationSpec(String id, String target, String backend, String action) {
        return io.muster.types.job.JobSpecJson.toJsonString(io.muster.types.job.OneShotJobs.action(id, io.muster.types.job.OneShotJobs.parseTarget(target),
                new io.muster.types.job.ActionCall(backend, action, Map.of("message", "hi"))));
    }

    static Command.Builder operation(String id, String target, String backend, String action, int maxQueued) {
        return Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(id)
                .setSpecJson(ByteString.copyFromUtf8(operationSpec(id, target, backend, action))).setSubmittedUnixMs(NOW)
                .setMaxQueuedOperations(maxQueued).setMaxRunningOperations(1));
    }

    static Command.Builder advance(String job, String status, String... allocKeyNodeAttempt) {
        io.muster.proto.raft.AdvanceOperation.Builder b = io.muster.proto.raft.AdvanceOperation.newBuilder().setJobId(job).setJobVersion(1)
                .setDecidedUnixMs(NOW).setStatus(status);
        for (int i = 0; i < allocKeyNodeAttempt.length; i += 4)
            b.addPlace(PlannedAlloc.newBuilder().setAllocId(allocKeyNodeAttempt[i]).setJobId(job).setGroup(allocKeyNodeAttempt[i + 1])
                    .setNodeId(Long.parseLong(allocKeyNodeAttempt[i + 2])).setAttempt(Integer.parseInt(allocKeyNodeAttempt[i + 3])));
        return Command.newBuilder().setAdvanceOperation(b);
    }

    @Test
    void registerOperation() {
        operationCluster();
        refused("UNKNOWN_ACTION", operation("x", "all", "nosuch", "echo", 10));
        assertTrue(refused("UNKNOWN_ACTION", operation("x", "all", "ping", "shout", 10)).getError().contains("valid: echo, hostname, sleep"));
        refused("NO_SUCH_NODE", operation("x", "node:h9", "ping", "echo", 10));
        refused("NO_TARGET_NODES", operation("x", "node:h3", "ping", "echo", 10)); // node 3 lacks the backend
        accepted(operation("op", "all", "ping", "echo", 1));
        Records.OperationRecord op = s.job("op").orElseThrow().operation();
        assertEquals(java.util.List.of(1L, 2L), op.nodes(), "the target resolved as of this entry");
        assertEquals("backend ping not enabled", op.excluded().getFirst().reason());
        assertEquals(io.muster.types.state.OperationStatus.QUEUED, op.status());
        accepted(operation("op2", "group:web", "ping", "echo", 1)); // one place free (max_running 1) plus one queued
        assertEquals(java.util.List.of(2L), s.job("op2").orElseThrow().operation().nodes());
        refused("TOO_MANY_OPERATIONS", operation("op3", "all", "ping", "echo", 1));
        refused("OPERATION_IN_PROGRESS", job("op", SPEC.replace("\"web\"", "\"op\""), 0));
    }

    @Test
    void advanceOperation() {
        operationCluster();
        apply(operation("op", "all", "ping", "echo", 10));
        String a1 = io.muster.scheduler.OperationPlanner.allocId("op", 1, "0", 1, 1);
        refused("INVALID_DECISION", advance("op", "", a1, "0", "1", "1")); // queued: start it first
        refused("INVALID_DECISION", advance("op", "running", "made-up-id", "0", "1", "1"));
        refused("INVALID_DECISION", advance("op", "running", io.muster.scheduler.OperationPlanner.allocId("op", 1, "0", 3, 1), "0", "3", "1"));
        refused("INVALID_DECISION", advance("op", "running", io.muster.scheduler.OperationPlanner.allocId("op", 1, "0", 1, 2), "0", "1", "2"));
        assertEquals("1", accepted(advance("op", "running", a1, "0", "1", "1")).getValue());
        assertEquals(io.muster.types.state.OperationStatus.RUNNING, s.job("op").orElseThrow().operation().status());
        assertEquals(NOW, s.job("op").orElseThrow().operation().startedAt());
        // The same decision again (a retried proposal, a new leader) places nothing twice.
        assertEquals("0", apply(advance("op", "", a1, "0", "1", "1")).getValue());
        assertEquals(1, s.allocsOfJob("op").size());
        String flood = "x".repeat(5_000) + "END";
        apply(Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addUpdates(AllocStatusUpdate.newBuilder().setNodeId(1)
                .setStatus(io.muster.proto.AllocStatus.newBuilder().setAllocId(a1).setState(AllocState.ALLOC_COMPLETE).setOutput(flood)))));
        String kept = s.alloc(a1).orElseThrow().output();
        assertEquals(1024, kept.length(), "a worker cannot flood the state with output");
        assertTrue(kept.endsWith("END"), "the end of the output is what is kept");
        accepted(advance("op", "complete"));
        assertTrue(s.job("op").orElseThrow().stopped(), "an ended operation is a stopped job for garbage collection");
        refused("OPERATION_ENDED", advance("op", "failed"));
        refused("JOB_NOT_FOUND", advance("nope", ""));
    }

    @Test
    void cancelOperation() {
        operationCluster();
        apply(operation("op", "all", "ping", "echo", 10));
        String a1 = io.muster.scheduler.OperationPlanner.allocId("op", 1, "0", 1, 1);
        apply(advance("op", "running", a1, "0", "1", "1"));
        refused("JOB_NOT_FOUND", Command.newBuilder().setCancelOperation(io.muster.proto.raft.CancelOperation.newBuilder().setJobId("nope")));
        accepted(Command.newBuilder().setCancelOperation(io.muster.proto.raft.CancelOperation.newBuilder().setJobId("op").setCancelledUnixMs(NOW)));
        assertEquals(io.muster.types.state.OperationStatus.CANCELLED, s.job("op").orElseThrow().operation().status());
        assertEquals(AllocStatus.STOPPED, s.alloc(a1).orElseThrow().status(), "a pending task never starts");
        refused("OPERATION_ENDED", Command.newBuilder().setCancelOperation(io.muster.proto.raft.CancelOperation.newBuilder().setJobId("op")));
        cluster();
        refused("NOT_AN_OPERATION", Command.newBuilder().setCancelOperation(io.muster.proto.raft.CancelOperation.newBuilder().setJobId("web")));
    }

    @Test
    void allocStatusBatch() {
        cluster();
        apply(Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addUpdates(AllocStatusUpdate.newBuilder().setNodeId(2)
                .setStatus(io.muster.proto.AllocStatus.newBuilder().setAllocId("a2").setState(AllocState.ALLOC_RUNNING).setOutput("secret-ish")))));
        assertEquals("", s.alloc("a2").orElseThrow().output(), "only operation tasks keep an output excerpt");
        assertEquals("1", accepted(status(1, "a1", AllocState.ALLOC_RUNNING)).getValue());
        assertEquals(AllocStatus.RUNNING, s.alloc("a1").orElseThrow().status());
        // Never refused: updates for unknown allocations or from another node than the allocation's are skipped.
        assertEquals("0", ignored(status(2, "a1", AllocState.ALLOC_FAILED)).getValue());
        assertEquals("0", ignored(status(1, "nope", AllocState.ALLOC_FAILED)).getValue());
        // Terminal is final.
        apply(status(2, "a2", AllocState.ALLOC_COMPLETE));
        assertEquals("0", ignored(status(2, "a2", AllocState.ALLOC_RUNNING)).getValue());
    }

    @Test
    void collectGarbage() {
        cluster();
        // Nothing here is collectable (a live job, running allocations, ready nodes, a live token): all skipped.
        CommandResult skipped = ignored(Command.newBuilder().setCollectGarbage(io.muster.proto.raft.CollectGarbage.newBuilder()
                .addJobIds("web").addAllocIds("a1").addNodeIds(1).addTokenIds("t").setNowUnixMs(NOW).setJobIndexCutoff(index)
                .setAllocIndexCutoff(index)));
        assertTrue(skipped.getValue().contains("4"), "four ids skipped: " + skipped.getValue());
        // A purge removes the job and its allocations now, whatever their age.
        accepted(Command.newBuilder().setCollectGarbage(io.muster.proto.raft.CollectGarbage.newBuilder().addPurgeJobIds("web").setNowUnixMs(NOW)));
        assertTrue(s.job("web").isEmpty());
        assertEquals(0, s.allocCount());
    }

    @Test
    void emptyCommand() {
        cluster();
        refused("EMPTY_COMMAND", Command.newBuilder());
    }
}
