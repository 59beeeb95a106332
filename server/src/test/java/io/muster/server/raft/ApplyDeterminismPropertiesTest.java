package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.pki.Secrets;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AclBootstrap;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.AnnounceServer;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateAclToken;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.GroupFailure;
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
import io.muster.proto.raft.StoppedAlloc;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.StateDigest;
import io.muster.server.state.StateImage;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Apply is deterministic (jqwik): random sequences of commands of every kind, valid and invalid, applied to two fresh
 * states; the second one is written to a snapshot file halfway ({@link SnapshotCodec}), read back into a third state,
 * and the rest is applied there, as a follower that installed a snapshot would. Every result must be the same and
 * the final digests equal. Fixed seed: the run is reproducible; change it locally to explore further.
 */
class ApplyDeterminismPropertiesTest {
    static final long NOW = 1_800_000_000_000L;
    static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("muster-determinism-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (Stream<Path> walk = Files.walk(DIR)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    record Run(List<CommandResult> results, StateDigest digest) {}

    @Property(tries = 200, seed = "20300412")
    void applyingTheSameCommandsGivesTheSameStateEvenAcrossASnapshot(@ForAll("commands") List<Command> commands) throws IOException {
        ClusterState a = new ClusterState();
        CommandApplier applyA = new CommandApplier(a);
        List<CommandResult> resultsA = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) resultsA.add(applyA.apply(commands.get(i), i + 1, 1));

        int half = commands.size() / 2;
        ClusterState b = new ClusterState();
        CommandApplier applyB = new CommandApplier(b);
        List<CommandResult> resultsB = new ArrayList<>();
        for (int i = 0; i < half; i++) resultsB.add(applyB.apply(commands.get(i), i + 1, 1));
        Path file = DIR.resolve("snapshot");
        SnapshotCodec.write(b.image(), file, DIR);
        StateImage img = SnapshotCodec.read(file);
        ClusterState c = new ClusterState();
        c.restore(img);
        assertEquals(StateDigest.of(b), StateDigest.of(c), "the snapshot holds the state it was written from");
        CommandApplier applyC = new CommandApplier(c);
        for (int i = half; i < commands.size(); i++) resultsB.add(applyC.apply(commands.get(i), i + 1, 1));

        for (int i = 0; i < commands.size(); i++) {
            Statistics.label("kind").collect(commands.get(i).getKindCase().name());
            Statistics.label("outcome").collect(outcome(resultsA.get(i)));
        }
        Statistics.label("final state").collect(a.allocCount() > 0 ? "with allocations" : a.nodes().isEmpty() ? "no nodes" : "nodes, no allocations");
        assertEquals(resultsA, resultsB, "every command's result, whether applied before or after the snapshot");
        assertEquals(StateDigest.of(a), StateDigest.of(c));
        assertEquals(a.appliedIndex(), c.appliedIndex());
        assertCountsMatchTheAllocations(a.snapshot());
        assertCountsMatchTheAllocations(c.snapshot());
    }

    /** The kept per-job and per-version counts equal a count of the allocations themselves, after any command sequence. */
    static void assertCountsMatchTheAllocations(ClusterSnapshot snap) {
        java.util.Map<String, java.util.Map<String, Integer>> byJob = new java.util.HashMap<>();
        java.util.Map<String, java.util.Map<String, Integer>> byVersion = new java.util.HashMap<>();
        java.util.Map<String, Integer> liveByJob = new java.util.HashMap<>();
        for (var al : snap.allocs()) {
            byJob.computeIfAbsent(al.jobId(), k -> new java.util.TreeMap<>()).merge(al.status().wire(), 1, Integer::sum);
            byVersion.computeIfAbsent(al.jobId() + "@" + al.jobVersion(), k -> new java.util.TreeMap<>()).merge(al.status().wire(), 1, Integer::sum);
            if (al.desiredRun() && !al.terminal()) liveByJob.merge(al.jobId(), 1, Integer::sum);
        }
        java.util.Set<String> jobIds = new java.util.HashSet<>(byJob.keySet());
        snap.jobs().forEach(j -> jobIds.add(j.id()));
        for (String id : jobIds) {
            assertEquals(byJob.getOrDefault(id, java.util.Map.of()), nonZero(snap.allocCounts(id).byStatus()), "counts of job " + id);
            assertEquals(liveByJob.getOrDefault(id, 0), snap.allocCounts(id).live(), "live allocations of job " + id);
        }
        for (var e : byVersion.entrySet()) {
            int at = e.getKey().lastIndexOf('@');
            assertEquals(e.getValue(), nonZero(snap.allocCounts(e.getKey().substring(0, at), Long.parseLong(e.getKey().substring(at + 1))).byStatus()),
                    "counts of job version " + e.getKey());
        }
    }

    private static java.util.Map<String, Integer> nonZero(java.util.Map<String, Integer> m) {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        m.forEach((k, v) -> { if (v != 0) out.put(k, v); });
        return out;
    }

    static String outcome(CommandResult r) {
        if (!r.getOk()) return "refused";
        if (r.getItemsCount() > 0 && r.getItemsList().stream().noneMatch(CommandResult::getOk)) return "refused (all items)";
        return "ok";
    }

    /** The generator is useful only if many commands succeed: every kind that can succeed does, and most are refused sometimes. */
    @Example
    void theGeneratorMakesCommandsThatApply() {
        Map<String, int[]> byKind = new TreeMap<>();
        commands().sampleStream().limit(200).forEach(cmds -> {
            ClusterState s = new ClusterState();
            CommandApplier ap = new CommandApplier(s);
            for (int i = 0; i < cmds.size(); i++) {
                CommandResult r = ap.apply(cmds.get(i), i + 1, 1);
                int[] n = byKind.computeIfAbsent(cmds.get(i).getKindCase().name(), k -> new int[2]);
                n["ok".equals(outcome(r)) ? 0 : 1]++;
            }
        });
        int ok = 0, all = 0;
        for (var e : byKind.entrySet()) {
            ok += e.getValue()[0];
            all += e.getValue()[0] + e.getValue()[1];
            if (!e.getKey().equals("KIND_NOT_SET")) assertTrue(e.getValue()[0] > 0, e.getKey() + " never applied: " + e.getValue()[1] + " refused");
        }
        assertEquals(20, byKind.size(), "every kind is generated: " + byKind.keySet());
        StringBuilder table = new StringBuilder();
        byKind.forEach((k, n) -> table.append(k).append(' ').append(n[0]).append('/').append(n[0] + n[1]).append('\n'));
        assertTrue(ok * 2 > all, "most commands apply: " + ok + " of " + all + "\n" + table);
        for (String k : List.of("CREATE_JOIN_TOKEN", "REVOKE_JOIN_TOKEN", "REGISTER_NODE", "REVOKE_NODE", "SET_NODE_DRAIN", "SET_NODE_ELIGIBILITY",
                "REGISTER_JOB", "STOP_JOB", "APPLY_PLAN", "RECORD_CERTIFICATE", "ACL_BOOTSTRAP", "CREATE_ACL_TOKEN", "REVOKE_ACL_TOKEN", "INIT_CLUSTER"))
            assertTrue(byKind.get(k)[1] > 0, k + " is never refused");
    }

    // ---- generators: small pools of ids, so that commands meet the records earlier ones made ----

    static final List<String> TOKENS = List.of("t1", "t1", "t1", "t2", "t3");
    static final List<String> JOBS = List.of("j1", "j2", "j3");
    static final List<String> ALLOCS = List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8");
    static final List<String> ACCESSORS = List.of("boot", "acc1", "acc2", "acc3", "acc4", "acc5", "acc6", "acc7", "");
    static final List<String> SECRETS = Stream.concat(Stream.of("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9").map(Secrets::sha256Hex),
            Stream.of("not-a-hash")).toList();
    static final List<String> POLICIES = List.of("management", "management", "operator", "operator", "read-only", "node-provisioner", "root");
    static final List<String> SPECS = specs();

    static List<String> specs() {
        List<String> out = new ArrayList<>();
        String[][] variants = {{"service", "1"}, {"service", "3"}, {"batch", "2"}, {"system", ""}, {"sysbatch", ""}};
        for (String[] v : variants) {
            String count = v[1].isEmpty() ? "" : "\"count\": " + v[1] + ", ";
            var spec = JobSpecParser.strict().parse("""
                    {"id": "x", "type": "%s", "groups": [{"name": "g", %s
                      "tasks": [{"name": "t", "driver": "exec", "command": "sleep", "args": ["1"], "resources": {"cpu": 10, "memory": 10}}]}]}
                    """.formatted(v[0], count));
            out.add(new String(JobSpecJson.toJson(spec), java.nio.charset.StandardCharsets.UTF_8));
        }
        out.add("{not json");
        return List.copyOf(out);
    }

    static Arbitrary<Long> nodeIds() {
        return Arbitraries.longs().between(1, 5);
    }

    static Arbitrary<Long> times() {
        return Arbitraries.of(NOW - 10_000, NOW, NOW + 1_000, NOW + 3_600_000);
    }

    static Arbitrary<NodeProfile> profiles() {
        return Combinators.combine(Arbitraries.of("linux", "darwin"), Arbitraries.of(Map.<String, String>of(), Map.of("rack", "r1"),
                Map.of("rack", "r2", "zone", "z")), Arbitraries.longs().between(1_000, 16_000), Arbitraries.of("exec", "docker"),
                Arbitraries.strings().alpha().ofMaxLength(3))
                .as((os, labels, mhz, driver, host) -> NodeProfile.newBuilder().setOs(os).setArch("amd64").putAllLabels(labels).setCpuCores(2)
                        .setCpuMhz(mhz).setMemoryMb(4_096).addDrivers(driver).setHostname("h" + host).setVersion("0.1").build());
    }

    static Arbitrary<RegisterNode> registrations() {
        return Combinators.combine(Arbitraries.of(TOKENS), Arbitraries.integers().between(0, 7), profiles(), Arbitraries.of("s1", "s2", "s3", ""),
                        times())
                .as((token, key, profile, serial, at) -> RegisterNode.newBuilder().setTokenId(token).setProfile(profile)
                        .setPublicKeySha256(ByteString.copyFrom(new byte[] {key.byteValue(), 7})).setRegisteredUnixMs(at)
                        .setCertSerialHex(serial).setCertNotAfterUnixMs(at + 86_400_000).build());
    }

    static Arbitrary<Command.Builder> kinds() {
        Arbitrary<Command.Builder> kv = Combinators.combine(Arbitraries.of("k1", "k2", "k3", "k4"), Arbitraries.strings().ofMaxLength(4))
                .as((k, v) -> Command.newBuilder().setKvPut(KvPut.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8(v))));
        Arbitrary<Command.Builder> init = Combinators.combine(Arbitraries.of("c1", "c2"), Arbitraries.integers().between(0, 2))
                .as((id, variant) -> {
                    InitCluster.Builder b = InitCluster.newBuilder().setClusterId(id).setClusterCaCertDer(ByteString.copyFromUtf8("ca-" + id))
                            .setWorkerCaCertDer(ByteString.copyFromUtf8("wca")).setCreatedUnixMs(NOW);
                    if (variant > 0) b.setSealedKeys(ByteString.copyFromUtf8("sealed"));
                    if (variant == 2) b.setTokenHmacKey(ByteString.copyFromUtf8("plain")); // refused: PLAINTEXT_KEYS
                    return Command.newBuilder().setInitCluster(b);
                });
        Arbitrary<Command.Builder> announce = Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.of("v1", "v2"))
                .as((id, v) -> Command.newBuilder().setAnnounceServer(AnnounceServer.newBuilder().setServerId(id).setApiAddr("10.0.0." + id + ":3669")
                        .setWorkerGrpcAddr("10.0.0." + id + ":3670").setRaftAddr("10.0.0." + id + ":3671").setVersion(v)));
        Arbitrary<Command.Builder> bootstrap = Combinators.combine(Arbitraries.of(ACCESSORS), Arbitraries.of(SECRETS))
                .as((a, s) -> Command.newBuilder().setAclBootstrap(AclBootstrap.newBuilder().setAccessorId(a).setSecretSha256(s)));
        Arbitrary<Command.Builder> createAcl = Combinators.combine(Arbitraries.of(ACCESSORS), Arbitraries.of(SECRETS), Arbitraries.of(POLICIES),
                        Arbitraries.of("", "ci"), times())
                .as((a, s, p, d, at) -> Command.newBuilder().setCreateAclToken(CreateAclToken.newBuilder().setAccessorId(a).setSecretSha256(s)
                        .setPolicy(p).setDescription(d).setCreatedUnixMs(at)));
        Arbitrary<Command.Builder> revokeAcl = Arbitraries.of(ACCESSORS)
                .map(a -> Command.newBuilder().setRevokeAclToken(RevokeAclToken.newBuilder().setAccessorId(a)));
        Arbitrary<Command.Builder> createToken = Combinators.combine(Arbitraries.of(TOKENS), Arbitraries.of(NOW - 1, NOW + 3_600_000, Long.MAX_VALUE),
                        Arbitraries.integers().between(0, 3), Arbitraries.of(Map.<String, String>of(), Map.of("pool", "a", "env", "prod")), times())
                .as((t, exp, uses, labels, at) -> Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId(t)
                        .setExpiresUnixMs(exp).setMaxUses(uses).putAllLabels(labels).setCreatedUnixMs(at).setDescription("d-" + t)));
        Arbitrary<Command.Builder> revokeToken = Arbitraries.of(TOKENS)
                .map(t -> Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId(t)));
        Arbitrary<Command.Builder> register = registrations().map(r -> Command.newBuilder().setRegisterNode(r));
        Arbitrary<Command.Builder> registerBatch = registrations().list().ofMinSize(1).ofMaxSize(4)
                .map(rs -> Command.newBuilder().setRegisterNodeBatch(RegisterNodeBatch.newBuilder().addAllNodes(rs)));
        Arbitrary<Command.Builder> revokeNode = Combinators.combine(nodeIds(), Arbitraries.of("lost laptop", ""))
                .as((n, why) -> Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(n).setReason(why)));
        Arbitrary<Command.Builder> recordCert = Combinators.combine(nodeIds(), Arbitraries.of("s1", "s2", "s4"), times())
                .as((n, s, at) -> Command.newBuilder().setRecordCertificate(RecordCertificate.newBuilder().setNodeId(n).setSerialHex(s)
                        .setNotAfterUnixMs(at + 1)));
        Arbitrary<NodeStateChange> change = Combinators.combine(nodeIds(), Arbitraries.of("ready", "ready", "ready", "down", "initializing", ""),
                        times(), profiles().injectNull(0.7))
                .as((n, st, at, p) -> {
                    NodeStateChange.Builder b = NodeStateChange.newBuilder().setNodeId(n).setState(st).setAtUnixMs(at);
                    if (p != null) b.setProfile(p);
                    return b.build();
                });
        Arbitrary<Command.Builder> nodeStates = change.list().ofMinSize(1).ofMaxSize(4)
                .map(cs -> Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder().addAllChanges(cs)));
        Arbitrary<Command.Builder> drain = Combinators.combine(nodeIds(), Arbitraries.integers().between(0, 2), times())
                .as((n, mode, at) -> Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(n).setEnabled(mode == 1)
                        .setComplete(mode == 2).setDeadlineUnixMs(mode == 1 ? at : 0)));
        Arbitrary<Command.Builder> eligibility = Combinators.combine(nodeIds(), Arbitraries.of(true, false))
                .as((n, e) -> Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(n).setEligible(e)));
        Arbitrary<Command.Builder> registerJob = Combinators.combine(Arbitraries.of(JOBS), Arbitraries.of(SPECS), Arbitraries.of(0, 0, 2), times())
                .as((j, spec, max, at) -> Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(j)
                        .setSpecJson(ByteString.copyFromUtf8(spec)).setMaxPendingJobs(max).setSubmittedUnixMs(at)));
        Arbitrary<Command.Builder> stopJob = Arbitraries.of(JOBS).map(j -> Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId(j)));
        Arbitrary<PlannedAlloc.Builder> place = Combinators.combine(Arbitraries.of(ALLOCS), Arbitraries.integers().between(0, 2), nodeIds(),
                        Arbitraries.integers().between(0, 1), Arbitraries.of("", "a1", "a2"))
                .as((id, idx, n, attempt, prev) -> PlannedAlloc.newBuilder().setAllocId(id).setGroup("g").setIndex(idx).setNodeId(n)
                        .setCpu(10).setMemoryMb(10).setAttempt(attempt).setPreviousAllocId(prev));
        Arbitrary<GroupFailure> failure = Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.of("cpu", "memory", "driver"))
                .as((n, why) -> GroupFailure.newBuilder().setGroup("g").setUnplaced(n).setNodesEvaluated(6).putFiltered(why, n).build());
        Arbitrary<Command.Builder> plan = Combinators.combine(Arbitraries.of(JOBS), Arbitraries.of(1L, 1L, 1L, 2L, 3L), place.list().ofMaxSize(4),
                        Arbitraries.of(ALLOCS).list().ofMaxSize(2), failure.list().ofMaxSize(1), times())
                .as((j, v, places, stops, failures, at) -> {
                    ApplyPlan.Builder b = ApplyPlan.newBuilder().setJobId(j).setJobVersion(v).setPlannedUnixMs(at)
                            .setNextEvalUnixMs(failures.isEmpty() ? 0 : at + 30_000).addAllFailures(failures);
                    for (PlannedAlloc.Builder p : places) b.addPlace(p.setJobId(j));
                    for (String s : stops) b.addStop(StoppedAlloc.newBuilder().setAllocId(s).setReason("replaced"));
                    return Command.newBuilder().setApplyPlan(b);
                });
        Arbitrary<AllocStatusUpdate> update = Combinators.combine(nodeIds(), Arbitraries.of(ALLOCS),
                        Arbitraries.of(AllocState.ALLOC_RUNNING, AllocState.ALLOC_RUNNING, AllocState.ALLOC_COMPLETE, AllocState.ALLOC_FAILED,
                                AllocState.ALLOC_LOST, AllocState.ALLOC_STOPPED, AllocState.ALLOC_PENDING),
                        Arbitraries.integers().between(0, 2), times())
                .as((n, id, st, exit, at) -> AllocStatusUpdate.newBuilder().setNodeId(n).setStatus(AllocStatus.newBuilder().setAllocId(id)
                        .setState(st).setExitCode(exit).setMessage(exit == 0 ? "" : "exit " + exit).setStartedUnixMs(at)
                        .setFinishedUnixMs(st == AllocState.ALLOC_RUNNING ? 0 : at + 5)).build());
        Arbitrary<Command.Builder> statuses = update.list().ofMinSize(1).ofMaxSize(4)
                .map(us -> Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addAllUpdates(us)));
        Arbitrary<Command.Builder> empty = Arbitraries.just(0).map(x -> Command.newBuilder());

        return Arbitraries.frequencyOf(
                Tuple.of(3, kv), Tuple.of(1, init), Tuple.of(1, announce), Tuple.of(1, bootstrap), Tuple.of(3, createAcl), Tuple.of(2, revokeAcl),
                Tuple.of(5, createToken), Tuple.of(1, revokeToken), Tuple.of(6, register), Tuple.of(4, registerBatch), Tuple.of(1, revokeNode),
                Tuple.of(2, recordCert), Tuple.of(8, nodeStates), Tuple.of(2, drain), Tuple.of(2, eligibility), Tuple.of(6, registerJob),
                Tuple.of(1, stopJob), Tuple.of(12, plan), Tuple.of(8, statuses), Tuple.of(1, empty));
    }

    /**
     * Most sequences start as a cluster does: a join token, three registered and ready nodes, ACLs bootstrapped and a job, so
     * that the random commands after it meet records; the others start from nothing.
     */
    static List<Command> setup() {
        List<Command> out = new ArrayList<>();
        out.add(Command.newBuilder().setProposedUnixMs(NOW).setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t1")
                .setExpiresUnixMs(Long.MAX_VALUE).setCreatedUnixMs(NOW)).build());
        RegisterNodeBatch.Builder regs = RegisterNodeBatch.newBuilder();
        NodeStateBatch.Builder ready = NodeStateBatch.newBuilder();
        for (int i = 1; i <= 3; i++) {
            regs.addNodes(RegisterNode.newBuilder().setTokenId("t1").setPublicKeySha256(ByteString.copyFrom(new byte[] {(byte) (100 + i)}))
                    .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(16_000).setMemoryMb(65_536).addDrivers("exec"))
                    .setRegisteredUnixMs(NOW).setCertSerialHex("s1").setCertNotAfterUnixMs(NOW + 86_400_000));
            ready.addChanges(NodeStateChange.newBuilder().setNodeId(i).setState("ready").setAtUnixMs(NOW));
        }
        out.add(Command.newBuilder().setProposedUnixMs(NOW).setRegisterNodeBatch(regs).build());
        out.add(Command.newBuilder().setProposedUnixMs(NOW).setNodeStateBatch(ready).build());
        out.add(Command.newBuilder().setProposedUnixMs(NOW).setAclBootstrap(AclBootstrap.newBuilder().setAccessorId("boot")
                .setSecretSha256(Secrets.sha256Hex("s1"))).build());
        out.add(Command.newBuilder().setProposedUnixMs(NOW).setRegisterJob(RegisterJob.newBuilder().setJobId("j1")
                .setSpecJson(ByteString.copyFromUtf8(SPECS.get(1))).setSubmittedUnixMs(NOW)).build());
        return List.copyOf(out);
    }

    @Provide
    Arbitrary<List<Command>> commands() {
        Arbitrary<List<Command>> random = Combinators.combine(kinds(), times()).as((b, at) -> b.setProposedUnixMs(at).build()).list()
                .ofMinSize(1).ofMaxSize(80);
        return Combinators.combine(Arbitraries.of(true, true, true, true, false), random).as((withSetup, rest) -> {
            if (!withSetup) return rest;
            List<Command> all = new ArrayList<>(setup());
            all.addAll(rest);
            return all;
        });
    }
}
