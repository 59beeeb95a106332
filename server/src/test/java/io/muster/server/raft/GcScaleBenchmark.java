package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import io.muster.proto.raft.StopJob;
import io.muster.server.leader.GcService;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.StateImage;
import io.muster.server.testkit.ManualClock;
import io.muster.types.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What state costs, and what collecting it costs, at 10,000 nodes and 1,000,000 allocations: built directly through
 * {@link CommandApplier} with synthetic but realistic commands (random 256-bit key hashes and 128-bit serials, host
 * names, labels, UUID allocation ids, every allocation running), measured with {@link SnapshotCodec} (gzip'd
 * Smile, fsync'd) and the heap ({@link Runtime} before and after, with {@code System.gc()}: approximate). Then
 * a periodic GC pass over it (nothing to collect), and a collection of all of it once every job is stopped.
 * {@code ./mvnw -B -o -pl server -am test -Dtest=GcScaleBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class GcScaleBenchmark {
    static final int NODES = 10_000;
    static final int JOBS = 1_000;
    static final int COUNT = 1_000;

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final ClusterState state = new ClusterState();
    final CommandApplier applier = new CommandApplier(state);
    long index;

    CommandResult apply(Command.Builder c) {
        CommandResult r = applier.apply(c.setProposedUnixMs(clock.millis()).build(), ++index, 1);
        if (!r.getOk()) throw new IllegalStateException(r.getError());
        return r;
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(200); // lets the collector finish; measurement only, nothing waits on it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    record Snap(long bytes, long writeMillis) {}

    Snap write(String name) throws Exception {
        Path f = dir.resolve(name);
        long t0 = System.nanoTime();
        SnapshotCodec.write(state.image(), f, dir.resolve("tmp"));
        return new Snap(Files.size(f), (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void stateAndSnapshotCostsAt10kNodesAnd1MAllocations() throws Exception {
        Random rnd = new Random(42);
        HexFormat hex = HexFormat.of();
        long heap0 = usedHeap();
        Snap empty = write("empty");

        apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t").setExpiresUnixMs(Long.MAX_VALUE)));
        List<Long> nodes = new ArrayList<>(NODES);
        NodeStateBatch.Builder ready = NodeStateBatch.newBuilder();
        for (int i = 0; i < NODES; i++) {
            byte[] key = new byte[32];
            rnd.nextBytes(key);
            byte[] serial = new byte[16];
            rnd.nextBytes(serial);
            long id = apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setTokenId("t").setPublicKeySha256(ByteString.copyFrom(key))
                    .setRegisteredUnixMs(clock.millis()).setCertSerialHex(hex.formatHex(serial)).setCertNotAfterUnixMs(clock.millis() + 72 * 3_600_000L)
                    .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuCores(16).setCpuMhz(16 * 2_400).setMemoryMb(65_536)
                            .addDrivers("exec").addDrivers("docker").setHostname(String.format("worker-%05d.dc1.example.com", i)).setVersion("0.1.0")
                            .putLabels("zone", "zone-" + (i % 3)).putLabels("role", i % 10 == 0 ? "web" : "batch")))).getNodeId();
            nodes.add(id);
            ready.addChanges(NodeStateChange.newBuilder().setNodeId(id).setState("ready").setAtUnixMs(clock.millis()));
        }
        apply(Command.newBuilder().setNodeStateBatch(ready));
        long heapNodes = usedHeap();
        Snap withNodes = write("nodes");

        long t0 = System.nanoTime();
        int n = 0;
        for (int j = 0; j < JOBS; j++) {
            String job = String.format("svc-%04d", j);
            String spec = GcChurnTest.Churn.spec(job, "service", COUNT);
            long v = Long.parseLong(apply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(job)
                    .setSpecJson(ByteString.copyFromUtf8(spec)).setSubmittedUnixMs(clock.millis()))).getValue());
            ApplyPlan.Builder p = ApplyPlan.newBuilder().setJobId(job).setJobVersion(v).setPlannedUnixMs(clock.millis());
            for (int i = 0; i < COUNT; i++) {
                p.addPlace(PlannedAlloc.newBuilder().setAllocId(UUID.randomUUID().toString()).setJobId(job).setGroup("g").setIndex(i)
                        .setNodeId(nodes.get(n++ % NODES)).setCpu(100).setMemoryMb(64));
            }
            apply(Command.newBuilder().setApplyPlan(p));
            AllocStatusBatch.Builder running = AllocStatusBatch.newBuilder();
            for (AllocRecord a : state.allocsOfJob(job)) {
                running.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(a.nodeId()).setStatus(AllocStatus.newBuilder().setAllocId(a.id())
                        .setState(AllocState.ALLOC_RUNNING).setStartedUnixMs(clock.millis())));
            }
            apply(Command.newBuilder().setAllocStatusBatch(running));
        }
        double buildSecs = (System.nanoTime() - t0) / 1e9;
        assertEquals(JOBS * COUNT, state.allocCount());
        long heapAllocs = usedHeap();
        Snap full = write("full");
        long r0 = System.nanoTime();
        StateImage back = SnapshotCodec.read(dir.resolve("full"));
        long readMillis = (System.nanoTime() - r0) / 1_000_000;
        assertEquals(JOBS * COUNT, back.allocs().size());
        back = null;

        GcService gc = new GcService(state, c -> CompletableFuture.completedFuture(apply(c)), clock, ServerConfig.Gc.DEFAULTS);
        long g0 = System.nanoTime();
        GcService.Outcome nothing = gc.collectNow().get(10, TimeUnit.MINUTES);
        long passMillis = (System.nanoTime() - g0) / 1_000_000;
        assertEquals(GcService.Outcome.NONE, nothing);

        // Stop every job; the workers report every allocation stopped; then collect it all.
        for (int j = 0; j < JOBS; j++) apply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId(String.format("svc-%04d", j))));
        List<String> ids = new ArrayList<>(JOBS * COUNT);
        for (Long node : nodes) for (AllocRecord a : state.allocsOnNode(node)) ids.add(a.id());
        for (int i = 0; i < ids.size(); i += 5_000) {
            AllocStatusBatch.Builder b = AllocStatusBatch.newBuilder();
            for (String id : ids.subList(i, Math.min(ids.size(), i + 5_000))) {
                b.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(state.alloc(id).orElseThrow().nodeId()).setStatus(AllocStatus.newBuilder()
                        .setAllocId(id).setState(AllocState.ALLOC_STOPPED).setFinishedUnixMs(clock.millis())));
            }
            apply(Command.newBuilder().setAllocStatusBatch(b));
        }
        ids = null;
        long c0 = System.nanoTime();
        GcService.Outcome all = gc.collectNow().get(10, TimeUnit.MINUTES);
        long collectMillis = (System.nanoTime() - c0) / 1_000_000;
        gc.close();
        assertEquals(JOBS * COUNT, all.allocs());
        assertEquals(0, state.allocCount());
        long heapAfter = usedHeap();
        Snap after = write("after");

        System.out.printf("%nGC scale: %,d nodes, %,d allocations (%,d jobs x %,d), built in %.1f s through the applier%n", NODES, JOBS * COUNT, JOBS, COUNT, buildSecs);
        System.out.printf("snapshot: empty %,d B; %,d nodes %,d B (%,d B/node, write %d ms); + %,d allocations %,d B (%.1f B/allocation, write %,d ms, read %,d ms)%n",
                empty.bytes(), NODES, withNodes.bytes(), (withNodes.bytes() - empty.bytes()) / NODES, withNodes.writeMillis(), JOBS * COUNT,
                full.bytes(), (full.bytes() - withNodes.bytes()) / (double) (JOBS * COUNT), full.writeMillis(), readMillis);
        System.out.printf("heap (approximate): %,d B/node, %,d B/allocation (records, indexes, event logs); after collecting all: %,d MB above the nodes%n",
                (heapNodes - heap0) / NODES, (heapAllocs - heapNodes) / (JOBS * COUNT), (heapAfter - heapNodes) / (1 << 20));
        System.out.printf("gc: a pass over 1,000,000 live allocations finding nothing %,d ms; collecting 1,000 stopped jobs with 1,000,000 allocations %,d ms "
                + "in %d entries; snapshot after %,d B%n", passMillis, collectMillis, all.entries(), after.bytes());
    }
}
