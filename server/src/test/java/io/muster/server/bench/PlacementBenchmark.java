package io.muster.server.bench;

import com.google.protobuf.ByteString;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.RegisterJob;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Placements per second through the leader's scheduler and Raft (3 servers, fsync on): jobs of count
 * 1,000 and 10,000 over 1,000 registered nodes, from RegisterJob commit to the plan being applied on the
 * leader. Not in the default run:
 * {@code ./mvnw -pl server -am test -Dtest=PlacementBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class PlacementBenchmark {
    @Test
    void placementsPerSecond() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(Duration.ofSeconds(30));
            leader.ready().get(30, TimeUnit.SECONDS);
            int nodes = 1_000;
            leader.proposer().propose(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder()
                    .setTokenId("bench1").setExpiresUnixMs(Long.MAX_VALUE).setMaxUses(0))).get(30, TimeUnit.SECONDS);
            CompletableFuture<?>[] regs = new CompletableFuture<?>[nodes];
            for (int i = 0; i < nodes; i++) {
                regs[i] = leader.proposer().propose(Command.newBuilder().setRegisterNode(io.muster.proto.raft.RegisterNode.newBuilder()
                        .setTokenId("bench1").setPublicKeySha256(ByteString.copyFromUtf8("key-" + i)).setRegisteredUnixMs(1)
                        .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(16_000).setMemoryMb(65_536)
                                .addDrivers("exec").setHostname("n" + i))));
            }
            CompletableFuture.allOf(regs).get(120, TimeUnit.SECONDS);
            NodeStateBatch.Builder ready = NodeStateBatch.newBuilder();
            leader.state().nodes().forEach(n -> ready.addChanges(NodeStateChange.newBuilder().setNodeId(n.id()).setState("ready").setAtUnixMs(1)));
            leader.proposer().propose(Command.newBuilder().setNodeStateBatch(ready)).get(60, TimeUnit.SECONDS);
            System.out.println();
            for (int count : new int[] {1_000, 10_000, 10_000}) {
                String id = "bench-" + count + "-" + System.nanoTime();
                var spec = JobSpecParser.strict().parse("""
                        {"id": "%s", "type": "service", "groups": [{"name": "g", "count": %d, "placement": "spread",
                          "tasks": [{"name": "t", "driver": "exec", "command": "sleep", "args": ["1"], "resources": {"cpu": 10, "memory": 10}}]}]}
                        """.formatted(id, count));
                long t0 = System.nanoTime();
                leader.proposer().propose(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(id)
                        .setSpecJson(ByteString.copyFrom(JobSpecJson.toJson(spec))).setSubmittedUnixMs(1))).get(30, TimeUnit.SECONDS);
                Await.until("placed " + count, Duration.ofMinutes(5), () -> leader.state().allocsOfJob(id).size() == count);
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("count %,d over %,d nodes: %.3f s from submit to committed plan, %,.0f placements/s%n", count, nodes, secs, count / secs);
            }
        }
    }
}
