package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.RegisterNode;
import io.muster.server.leader.GcService;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.testkit.ManualClock;
import io.muster.types.config.ServerConfig;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Churn with garbage collection: short allocations pushed through the applier over simulated hours (directly
 * through {@link CommandApplier}, the code the state machine runs, without the Raft log; the leader's
 * {@link GcService} proposes into the same applier every {@code gc.interval} of simulated time, default thresholds).
 * Every simulated minute: {@code jobsPerMinute} batch jobs of {@code count} allocations run and complete, and each of
 * the {@code flappy} slots of a service job fails and is replaced. The state and the snapshot stay bounded while it
 * runs and return to the baseline (nodes, the long-running service jobs) once the thresholds have passed.
 *
 * <p>The default run checks 5,100 allocations; the benchmark (tag {@code benchmark}) 200,400:
 * {@code ./mvnw -B -o -pl server -am test -Dtest=GcChurnTest -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
class GcChurnTest {
    static final long T0 = 1_700_000_000_000L;
    static final ServerConfig.Gc GC = ServerConfig.Gc.DEFAULTS;
    static final int NODES = 50;
    static final int BASE = 100;

    @TempDir
    Path dir;

    @Test
    void churnOf5000AllocationsReturnsToBaseline() throws Exception {
        check(new Churn(dir, 300, 1, 12, 5).run());
    }

    @Test
    @Tag("benchmark")
    void churnOf200000AllocationsReturnsToBaseline() throws Exception {
        check(new Churn(dir, 1_200, 10, 10, 67).run());
    }

    private static void check(Result r) {
        System.out.println(r);
        assertEquals(r.baselineAllocs(), r.finalAllocs(), r.toString());
        assertEquals(2, r.finalJobs(), "only the two service jobs are left");
        assertTrue(r.peakAllocs() <= r.bound(), "allocations stay within what the thresholds keep: " + r);
        assertTrue(r.peakAllocs() < r.pushed() - r.baselineAllocs(), "collection ran while the churn did: " + r);
        // Same records as at the start (the flappy slots' allocations are newer ones with higher attempts): within 10 %.
        assertTrue(r.finalSnapshot() <= r.baselineSnapshot() * 1.10 + 512, r.toString());
        assertTrue(r.peakSnapshot() > r.finalSnapshot() * 2, r.toString());
    }

    record Result(long pushed, int minutes, int baselineAllocs, long baselineSnapshot, int peakAllocs, long peakSnapshot, long bound,
                  int finalAllocs, int finalJobs, long finalSnapshot, double churnSecs, int gcRuns, long gcMaxMillis) {
        @Override
        public String toString() {
            return String.format("churn: %,d allocations over %d simulated minutes in %.1f s; allocations baseline %,d, peak %,d (bound %,d), "
                            + "after gc %,d; snapshot baseline %,d B, at peak %,d B, after gc %,d B; %d gc runs, slowest %d ms",
                    pushed, minutes, churnSecs, baselineAllocs, peakAllocs, bound, finalAllocs, baselineSnapshot, peakSnapshot, finalSnapshot,
                    gcRuns, gcMaxMillis);
        }
    }

    static final class Churn {
        final Path dir;
        final int minutes;
        final int jobsPerMinute;
        final int count;
        final int flappy;
        final ManualClock clock = new ManualClock(T0);
        final ClusterState state = new ClusterState();
        final CommandApplier applier = new CommandApplier(state);
        final GcService gc = new GcService(state, c -> CompletableFuture.completedFuture(apply(c)), clock, GC);
        final List<Long> nodes = new ArrayList<>();
        final String batchSpec;
        long index;
        int placed;
        int nextNode;

        Churn(Path dir, int minutes, int jobsPerMinute, int count, int flappy) {
            this.dir = dir;
            this.minutes = minutes;
            this.jobsPerMinute = jobsPerMinute;
            this.count = count;
            this.flappy = flappy;
            this.batchSpec = spec("zz-job-id-placeholder", "batch", count);
        }

        static String spec(String id, String type, int count) {
            return new String(JobSpecJson.toJson(JobSpecParser.strict().parse("""
                    {"id": "%s", "type": "%s", "groups": [{"name": "g", "count": %d,
                      "tasks": [{"name": "t", "driver": "exec", "command": "true", "resources": {"cpu": 1, "memory": 1}}]}]}
                    """.formatted(id, type, count))), StandardCharsets.UTF_8);
        }

        CommandResult apply(Command.Builder c) {
            CommandResult r = applier.apply(c.setProposedUnixMs(clock.millis()).build(), ++index, 1);
            if (!r.getOk()) throw new IllegalStateException(r.getError());
            return r;
        }

        long register(String id, String json) {
            return Long.parseLong(apply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(id)
                    .setSpecJson(ByteString.copyFromUtf8(json)).setSubmittedUnixMs(clock.millis()))).getValue());
        }

        PlannedAlloc place(String job, String id, int slot, int attempt, String previous) {
            placed++;
            return PlannedAlloc.newBuilder().setAllocId(id).setJobId(job).setGroup("g").setIndex(slot)
                    .setNodeId(nodes.get(nextNode++ % nodes.size())).setCpu(1).setMemoryMb(1).setAttempt(attempt).setPreviousAllocId(previous).build();
        }

        void report(List<String> allocIds, AllocState st) {
            AllocStatusBatch.Builder b = AllocStatusBatch.newBuilder();
            for (String id : allocIds) {
                b.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(state.alloc(id).orElseThrow().nodeId())
                        .setStatus(AllocStatus.newBuilder().setAllocId(id).setState(st).setFinishedUnixMs(clock.millis())));
            }
            apply(Command.newBuilder().setAllocStatusBatch(b));
        }

        long snapshotBytes() throws Exception {
            Path f = dir.resolve("snapshot");
            SnapshotCodec.write(state.image(), f, dir.resolve("tmp"));
            return Files.size(f);
        }

        Result run() throws Exception {
            apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t").setExpiresUnixMs(Long.MAX_VALUE)));
            NodeStateBatch.Builder ready = NodeStateBatch.newBuilder();
            for (int i = 0; i < NODES; i++) {
                long id = apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setTokenId("t")
                        .setPublicKeySha256(ByteString.copyFromUtf8("key-" + i)).setRegisteredUnixMs(T0)
                        .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(1_000_000).setMemoryMb(1_000_000)
                                .addDrivers("exec").setHostname("n" + i)))).getNodeId();
                nodes.add(id);
                ready.addChanges(NodeStateChange.newBuilder().setNodeId(id).setState("ready").setAtUnixMs(T0));
            }
            apply(Command.newBuilder().setNodeStateBatch(ready));
            // The baseline: a long-running service job, and the flappy one's first allocations.
            long base = register("base", spec("base", "service", BASE));
            ApplyPlan.Builder bp = ApplyPlan.newBuilder().setJobId("base").setJobVersion(base);
            for (int i = 0; i < BASE; i++) bp.addPlace(place("base", "base-" + i, i, 0, ""));
            apply(Command.newBuilder().setApplyPlan(bp));
            long flap = register("flap", spec("flap", "service", flappy));
            String[] live = new String[flappy];
            ApplyPlan.Builder fp = ApplyPlan.newBuilder().setJobId("flap").setJobVersion(flap);
            for (int i = 0; i < flappy; i++) fp.addPlace(place("flap", live[i] = "flap-" + i + "-0", i, 0, ""));
            apply(Command.newBuilder().setApplyPlan(fp));
            int baselineAllocs = state.allocCount();
            long baselineSnapshot = snapshotBytes();
            placed = 0;

            int peak = 0;
            int gcRuns = 0;
            long gcMax = 0;
            long t0 = System.nanoTime();
            for (int m = 1; m <= minutes; m++) {
                clock.set(T0 + m * 60_000L);
                for (int j = 0; j < jobsPerMinute; j++) {
                    String id = "b-" + m + "-" + j;
                    long v = register(id, batchSpec.replace("zz-job-id-placeholder", id));
                    ApplyPlan.Builder p = ApplyPlan.newBuilder().setJobId(id).setJobVersion(v);
                    List<String> ids = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        String a = id + "-" + i;
                        ids.add(a);
                        p.addPlace(place(id, a, i, 0, ""));
                    }
                    apply(Command.newBuilder().setApplyPlan(p));
                    report(ids, AllocState.ALLOC_COMPLETE);
                }
                report(List.of(live), AllocState.ALLOC_FAILED);
                ApplyPlan.Builder rp = ApplyPlan.newBuilder().setJobId("flap").setJobVersion(flap);
                for (int i = 0; i < flappy; i++) {
                    String previous = live[i];
                    rp.addPlace(place("flap", live[i] = "flap-" + i + "-" + m, i, m, previous));
                }
                apply(Command.newBuilder().setApplyPlan(rp));
                peak = Math.max(peak, state.allocCount());
                if (m % (GC.intervalSecs() / 60) == 0) {
                    long g0 = System.nanoTime();
                    gc.runOnce().get(60, TimeUnit.SECONDS);
                    gcMax = Math.max(gcMax, (System.nanoTime() - g0) / 1_000_000);
                    gcRuns++;
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long peakSnapshot = snapshotBytes(); // steady state: what the thresholds keep
            // Past every threshold, nothing finished is left.
            clock.set(clock.millis() + Duration.ofSeconds(GC.jobAfterSecs() + GC.intervalSecs()).toMillis());
            gc.runOnce().get(60, TimeUnit.SECONDS);
            gc.close();
            long perMinute = (long) jobsPerMinute * count;
            long bound = baselineAllocs + perMinute * (GC.jobAfterSecs() + GC.intervalSecs() + 60) / 60
                    + (long) flappy * (GC.allocAfterSecs() + GC.intervalSecs() + 60) / 60;
            return new Result(placed, minutes, baselineAllocs, baselineSnapshot, peak, peakSnapshot, bound, state.allocCount(), state.jobs().size(),
                    snapshotBytes(), secs, gcRuns, gcMax);
        }
    }
}
