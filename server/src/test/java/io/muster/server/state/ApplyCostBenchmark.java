package io.muster.server.state;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.server.testkit.AppliedState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("benchmark")
/** The apply cost of a fanout on one state machine: 100,000 placements in 10 plan entries, then 200,000 status updates. */
class ApplyCostBenchmark {
    private static final int ROUNDS = 10;
    /** {@code -Dapplycost.events=true}: with the event stream's recorder attached, as on a server (default buffer). */
    private static final boolean EVENTS = Boolean.getBoolean("applycost.events");

    @Test
    void fanoutApplyCost() {
        double[] place = new double[ROUNDS];
        double[] status = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            AppliedState s = new AppliedState();
            if (EVENTS) s.state.addListener(new io.muster.server.events.EventBroker(s.state, io.muster.server.events.EventBroker.Settings.DEFAULTS,
                    java.time.Clock.systemUTC()).listener());
            List<Long> nodes = s.readyNodes(1000, 1_000_000, 1_000_000);
            long v = s.registerJob("big", "service", 100_000, 1, 1);
            // Commands are built before the clock starts: only the apply is measured.
            List<Command.Builder> plans = new ArrayList<>();
            for (int e = 0; e < 10; e++) {
                ApplyPlan.Builder plan = ApplyPlan.newBuilder().setJobId("big").setJobVersion(v).setPlannedUnixMs(1);
                for (int i = 0; i < 10_000; i++) {
                    int idx = e * 10_000 + i;
                    plan.addPlace(PlannedAlloc.newBuilder().setAllocId("alloc-" + idx).setJobId("big").setGroup("g").setIndex(idx)
                            .setNodeId(nodes.get(idx % 1000)).setCpu(1).setMemoryMb(1));
                }
                plans.add(Command.newBuilder().setApplyPlan(plan));
            }
            List<Command.Builder> batches = new ArrayList<>();
            for (AllocState st : List.of(AllocState.ALLOC_RUNNING, AllocState.ALLOC_COMPLETE)) {
                for (int b = 0; b < 20; b++) {
                    AllocStatusBatch.Builder batch = AllocStatusBatch.newBuilder();
                    for (int i = 0; i < 5_000; i++) {
                        int idx = b * 5_000 + i;
                        batch.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(nodes.get(idx % 1000))
                                .setStatus(AllocStatus.newBuilder().setAllocId("alloc-" + idx).setState(st)));
                    }
                    batches.add(Command.newBuilder().setAllocStatusBatch(batch));
                }
            }
            System.gc();
            long t0 = System.nanoTime();
            for (Command.Builder c : plans) s.apply(c);
            long t1 = System.nanoTime();
            for (Command.Builder c : batches) s.apply(c);
            long t2 = System.nanoTime();
            place[round] = (t1 - t0) / 1e3 / 100_000;
            status[round] = (t2 - t1) / 1e3 / 200_000;
            System.out.printf("APPLYCOST round %d: 100,000 placements in 10 entries %d ms (%.2f us each); 200,000 status updates %d ms (%.2f us each)%n",
                    round, (t1 - t0) / 1_000_000, place[round], (t2 - t1) / 1_000_000, status[round]);
        }
        // The first rounds run cold (JIT); the median of the last half is the figure.
        System.out.printf("APPLYCOST" + (EVENTS ? " (events recorded)" : "") + " median of rounds %d-%d: %.2f us per placement, %.2f us per status update (best %.2f, %.2f)%n",
                ROUNDS / 2, ROUNDS - 1, median(place), median(status), Arrays.stream(place, ROUNDS / 2, ROUNDS).min().orElseThrow(),
                Arrays.stream(status, ROUNDS / 2, ROUNDS).min().orElseThrow());
    }

    private static double median(double[] all) {
        double[] warm = Arrays.copyOfRange(all, ROUNDS / 2, ROUNDS);
        Arrays.sort(warm);
        return warm.length % 2 == 1 ? warm[warm.length / 2] : (warm[warm.length / 2 - 1] + warm[warm.length / 2]) / 2;
    }
}
