package io.muster.server.events;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.server.testkit.AppliedState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What recording events adds to the apply thread, paired: rounds alternate without and with the recorder attached
 * (default buffer), so a busy machine slows both alike. Per round: 20,000 placements in 2 plan entries on 200 nodes,
 * then 40,000 status updates in batches of 5,000 (ApplyCostBenchmark's shape, a fifth of its size).
 */
@Tag("benchmark")
class EventApplyCostBenchmark {
    private static final int PAIRS = 12;

    @Test
    void applyCostWithAndWithoutEvents() {
        double[][] place = new double[2][PAIRS];
        double[][] status = new double[2][PAIRS];
        for (int pair = 0; pair < PAIRS; pair++) {
            for (int with = 0; with < 2; with++) {
                int order = pair % 2 == 0 ? with : 1 - with; // which goes first alternates too
                double[] r = round(order == 1);
                place[order][pair] = r[0];
                status[order][pair] = r[1];
            }
        }
        System.out.printf("EVENTCOST median of pairs %d-%d: without events %.2f us per placement, %.2f us per status update; "
                        + "with events %.2f, %.2f%n", PAIRS / 2, PAIRS - 1, median(place[0]), median(status[0]), median(place[1]), median(status[1]));
    }

    private static double[] round(boolean events) {
        AppliedState s = new AppliedState();
        if (events) s.state.addListener(new EventBroker(s.state, EventBroker.Settings.DEFAULTS, Clock.systemUTC()).listener());
        List<Long> nodes = s.readyNodes(200, 1_000_000, 1_000_000);
        long v = s.registerJob("big", "service", 20_000, 1, 1);
        List<Command.Builder> plans = new ArrayList<>();
        for (int e = 0; e < 2; e++) {
            ApplyPlan.Builder plan = ApplyPlan.newBuilder().setJobId("big").setJobVersion(v).setPlannedUnixMs(1);
            for (int i = 0; i < 10_000; i++) {
                int idx = e * 10_000 + i;
                plan.addPlace(PlannedAlloc.newBuilder().setAllocId("alloc-" + idx).setJobId("big").setGroup("g").setIndex(idx)
                        .setNodeId(nodes.get(idx % 200)).setCpu(1).setMemoryMb(1));
            }
            plans.add(Command.newBuilder().setApplyPlan(plan));
        }
        List<Command.Builder> batches = new ArrayList<>();
        for (AllocState st : List.of(AllocState.ALLOC_RUNNING, AllocState.ALLOC_COMPLETE)) {
            for (int b = 0; b < 4; b++) {
                AllocStatusBatch.Builder batch = AllocStatusBatch.newBuilder();
                for (int i = 0; i < 5_000; i++) {
                    int idx = b * 5_000 + i;
                    batch.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(nodes.get(idx % 200))
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
        return new double[] {(t1 - t0) / 1e3 / 20_000, (t2 - t1) / 1e3 / 40_000};
    }

    private static double median(double[] all) {
        double[] warm = Arrays.copyOfRange(all, PAIRS / 2, PAIRS);
        Arrays.sort(warm);
        return (warm[warm.length / 2 - 1] + warm[warm.length / 2]) / 2;
    }
}
